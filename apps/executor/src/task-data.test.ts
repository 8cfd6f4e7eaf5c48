import type { TaskInfo } from '@riak-mesos/mesos';
import { resources as R } from '@riak-mesos/mesos';
import { parseTask } from './task-data';

const good = {
  FullyQualifiedNodeName: 'riak-default-1@10.0.0.5',
  Host: '10.0.0.5',
  Zookeepers: ['zk1:2181', 'zk2:2181'],
  FrameworkName: 'riak',
  URI: 'http://scheduler:9090/',
  ClusterName: 'default',
  HTTPPort: 31000,
  PBPort: 31001,
  DisterlPort: 31002,
  HandoffPort: 31003,
};

function task(data: unknown, ports = [31000, 31001, 31002, 31003, 31004, 31005]): TaskInfo {
  return {
    name: 't',
    task_id: { value: 'riak-default-1' },
    agent_id: { value: 'a' },
    resources: [R.ranges('ports', R.rangesOfPorts(ports))],
    data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)),
  };
}

describe('task data', () => {
  it('takes the original keys with defaults, and the first spare port for EPMD', () => {
    const { data, epmdPort } = parseTask(task(good));
    expect(data).toMatchObject({
      RiakRootPath: 'root',
      PersistentPath: 'data',
      Cookie: 'riak',
      ZookeeperChroot: '',
    });
    expect(epmdPort).toBe(31004);
    expect(parseTask(task(good, [31003, 31000, 31009, 31001, 31002])).epmdPort).toBe(31009);
  });

  it('says what is wrong', () => {
    expect(() => parseTask(task('not json'))).toThrow(/not JSON/);
    expect(() => parseTask(task(''))).toThrow(/no data/);
    expect(() => parseTask(task({ ...good, HTTPPort: 'x', Zookeepers: [] }))).toThrow(
      /Zookeepers: .*; HTTPPort: /,
    );
    expect(() => parseTask(task({ ...good, RiakRootPath: '../../etc' }))).toThrow(
      /relative path inside the sandbox/,
    );
    expect(() => parseTask(task({ ...good, ClusterName: 'a/b' }))).toThrow(
      /ClusterName is not a valid name/,
    );
    expect(() => parseTask(task({ ...good, PBPort: 31000 }))).toThrow(/must differ/);
    expect(() => parseTask(task(good, [31000, 31001, 31002, 31003]))).toThrow(
      /no port left for the EPMD/,
    );
    expect(() => parseTask(task(good, [31000, 31001]))).toThrow(/31002, 31003 are not among/);
  });
});
