import { taskDataSchema } from '@riak-mesos/framework-contract';
import type { Offer } from '@riak-mesos/mesos';
import type { RiakVersion } from '../config';
import { loadConfig } from '../config';
import type { NodeDoc } from '../model';
import type { LaunchSpec } from './task-info';
import { checkedTaskData, launchShares, taskData } from './task-info';
import { digestId } from '@riak-mesos/zk';
import { verifyExecutorCredential } from '../api/auth';

const config = loadConfig({}, {}, 'sched.example');
const pkg: RiakVersion = {
  name: 'riak-kv-3.2',
  url: 'http://pkgs/riak.tar.gz',
  rootPath: 'pkg',
  flavour: 'kv3',
};

function spec(key: string, hostname: string, ports = [31000, 31001, 31002, 31003, 31004]) {
  const node: NodeDoc = {
    key,
    cluster: 'default',
    generation: 1,
    state: 'reserved',
    wanted: true,
    persistenceId: `${key}-p`,
    reservedPorts: ports,
    taskId: key,
    member: false,
    failures: 0,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
  };
  const offer: Offer = {
    id: { value: 'o1' },
    framework_id: { value: 'f1' },
    agent_id: { value: 'a1' },
    hostname,
  };
  const s: LaunchSpec = {
    node,
    offer,
    frameworkName: 'riak',
    riakVersion: pkg.name,
    cookie: 'riak-default',
    schedulerUrl: 'http://sched.example:9090',
    zookeepers: ['zk1:2181'],
    zookeeperChroot: '',
    executorId: 'e1',
  };
  return s;
}

describe('task data the scheduler sends', () => {
  it("is what the executor's schema reads, key for key", () => {
    const sent = checkedTaskData(config, spec('riak-default-1', 'agent1.example'), pkg);
    if (!('json' in sent)) throw new Error(sent.error);
    const read = taskDataSchema.parse(JSON.parse(sent.json));
    expect(read).toEqual(taskData(config, spec('riak-default-1', 'agent1.example'), pkg));
    expect(read).toMatchObject({
      FullyQualifiedNodeName: 'riak-default-1@agent1.example',
      Host: 'agent1.example',
      RiakRootPath: 'pkg',
      HTTPPort: 31000,
      HandoffPort: 31003,
    });
  });

  it('names the host of the node it replaces (its EPMD registration is taken over), and only then', () => {
    const plain = spec('riak-default-2', 'agent2.example');
    expect(taskData(config, plain, pkg)).not.toHaveProperty('ReplacesHost');
    const replacing = spec('riak-default-2', 'agent2.example');
    replacing.node = { ...replacing.node, replacedName: 'riak-default-2@agent7.example' };
    const sent = checkedTaskData(config, replacing, pkg);
    if (!('json' in sent)) throw new Error(sent.error);
    expect(taskDataSchema.parse(JSON.parse(sent.json)).ReplacesHost).toBe('agent7.example');
  });

  it('says why the executor would refuse it', () => {
    // A cluster name with a dot makes a node key that cannot be an Erlang node name.
    expect(checkedTaskData(config, spec('riak-my.cluster-1', 'agent1'), pkg)).toEqual({
      error: expect.stringMatching(/^node key "riak-my.cluster-1" cannot be the name/),
    });
    expect(checkedTaskData(config, spec('riak-default-1', 'fe80::1'), pkg)).toEqual({
      error: expect.stringMatching(/^host "fe80::1" cannot be the host/),
    });
    expect(checkedTaskData(config, spec('riak-default-1', 'agent1', [31000]), pkg)).toEqual({
      error:
        'PBPort: must be a port number; DisterlPort: must be a port number; HandoffPort: must be a port number',
    });
    expect(
      checkedTaskData(config, spec('riak-default-1', 'agent1', [31000, 31000, 31001, 31002]), pkg),
    ).toEqual({ error: '(root): HTTP, PB, distribution and handoff ports must differ' });
  });
});

describe("the task's API credential", () => {
  it('is in the task data, good for its own cluster only, and absent without a key', () => {
    const key = 'k'.repeat(43);
    const s = { ...spec('riak-default-1', 'agent1.example'), executorKey: key };
    const sent = checkedTaskData(config, s, pkg);
    if (!('json' in sent)) throw new Error(sent.error);
    const credential = taskDataSchema.parse(JSON.parse(sent.json)).ApiCredential!;
    expect(verifyExecutorCredential(key, 'default', credential)).toBe(true);
    expect(verifyExecutorCredential(key, 'other', credential)).toBe(false);
    expect(taskData(config, spec('riak-default-1', 'agent1.example'), pkg).ApiCredential).toBe(
      undefined,
    );
  });
});

describe("the task's ZooKeeper identity", () => {
  it('is the node credential with the ids of the others, only in the task data, and absent without credentials', () => {
    const zkAuth = {
      scheduler: 'sched:scheduler-secret',
      node: 'node:node-secret-1',
      director: 'director:director-secret',
    };
    const secured = { ...config, zkAuth };
    const s = spec('riak-default-1', 'agent1.example');
    const sent = checkedTaskData(secured, s, pkg);
    if (!('json' in sent)) throw new Error(sent.error);
    const read = taskDataSchema.parse(JSON.parse(sent.json));
    expect(read.ZkAuth).toEqual({
      node: 'node:node-secret-1',
      schedulerId: digestId('sched', 'scheduler-secret'),
      directorId: digestId('director', 'director-secret'),
    });
    // The other identities' passwords never reach a node.
    expect(sent.json).not.toContain('scheduler-secret');
    expect(sent.json).not.toContain('director-secret');
    expect(taskData(config, s, pkg)).not.toHaveProperty('ZkAuth');
  });
});

describe('launch shares on a node reservation', () => {
  const cfg = loadConfig({}, {}, 'sched.example');
  const need = {
    cpus: cfg.node.cpus + cfg.executor.cpus,
    mem: cfg.node.mem + cfg.executor.mem,
  };

  it('are the configured node resources on a reservation made for them', () => {
    expect(launchShares(cfg, need)).toEqual({ cpus: cfg.node.cpus, mem: cfg.node.mem });
    // Records of an older scheduler hold no size: the configuration, as before.
    expect(launchShares(cfg, undefined)).toEqual({ cpus: cfg.node.cpus, mem: cfg.node.mem });
  });

  it('fit a reservation made before the configuration was raised, never more than it holds', () => {
    const raised = loadConfig(
      { nodeCpus: String(cfg.node.cpus * 2), nodeMem: String(cfg.node.mem * 2) },
      {},
      'sched.example',
    );
    const shares = launchShares(raised, need);
    expect(shares.cpus + raised.executor.cpus).toBeCloseTo(need.cpus, 5);
    expect(shares.mem + raised.executor.mem).toBeCloseTo(need.mem, 5);
    expect(shares).toEqual({ cpus: cfg.node.cpus, mem: cfg.node.mem });
  });

  it('use less of the reservation when the configuration was lowered', () => {
    const lowered = loadConfig(
      { nodeCpus: String(cfg.node.cpus / 2), nodeMem: String(cfg.node.mem / 2) },
      {},
      'sched.example',
    );
    expect(launchShares(lowered, need)).toEqual({
      cpus: cfg.node.cpus / 2,
      mem: cfg.node.mem / 2,
    });
  });
});
