import { run } from './program';

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`riak-mesos: ${err.message}\n`);
    process.exitCode = 1;
  },
);
