/**
 * Which locks each opcode takes in the demo luxid: the LUs' ExpandNames and DeclareLocks in
 * Ganeti 3.0 lib/cmdlib, REQ_BGL from mcpu's dispatch table. Granting them is
 * lock-allocation.ts's business; when a job runs and waits, jobs.ts's.
 */
import type { ClusterData, InstanceData, NodeData } from './cluster.js';
import type { LockMode, LockRequest } from './lock-allocation.js';
import { nameMatches } from './qlang.js';

/**
 * What one opcode locks, in the order mcpu takes it: the BGL first, on its own, then every
 * other level (instance, nodegroup, node, node-res, network) as one request.
 */
export interface OpLocks {
  bgl: LockMode;
  levels: LockRequest[];
}

/** Lock levels below the cluster, in Ganeti's lock order (locking.LEVELS). */
const LEVELS = ['instance', 'nodegroup', 'node', 'node-res', 'network'] as const;
type Level = (typeof LEVELS)[number];

/** Names at a level: a list, or every lock of the level (`locking.ALL_SET`, the "[lockset]" lock). */
type Names = readonly string[] | 'all';

interface Need {
  names: Names;
  shared: boolean;
}

type Needs = Partial<Record<Level, Need>>;

/** A set of levels all locked in the same mode. */
function levels(shared: boolean, names: Partial<Record<Level, Names>>): Needs {
  const out: Needs = {};
  for (const level of LEVELS) {
    const n = names[level];
    if (n !== undefined) out[level] = { names: n, shared };
  }
  return out;
}

/**
 * Object lookups as the LUs' Expand* helpers do them. A name that resolves to nothing sets
 * `missing`: the real ExpandNames raises there, before it asks for any lock below the BGL.
 */
class Lookup {
  missing = false;

  constructor(readonly cluster: ClusterData) {}

  #find<T extends { name: string; uuid: string }>(items: readonly T[], name: unknown): T | undefined {
    if (typeof name !== 'string') return undefined;
    const exact = items.find((i) => i.name === name || i.uuid === name);
    if (exact) return exact;
    const partial = items.filter((i) => nameMatches(i.name, name));
    if (partial.length === 1) return partial[0];
    this.missing = true;
    return undefined;
  }

  instance(name: unknown): InstanceData | undefined {
    return this.#find(this.cluster.instances, name);
  }

  node(name: unknown): NodeData | undefined {
    return this.#find(this.cluster.nodes, name);
  }

  nodeUuid(name: unknown): string[] {
    const n = this.node(name);
    return n ? [n.uuid] : [];
  }

  nodeUuids(names: unknown): string[] {
    return Array.isArray(names) ? names.flatMap((n) => this.nodeUuid(n)) : [];
  }

  groupUuid(name: unknown): string[] {
    const g = this.#find(this.cluster.groups, name);
    return g ? [g.uuid] : [];
  }

  networkUuid(name: unknown): string[] {
    const n = this.#find(this.cluster.networks, name);
    return n ? [n.uuid] : [];
  }

  /** Primary (and, unless `primaryOnly`, secondary) node UUIDs of instances. */
  instanceNodes(instances: readonly (InstanceData | undefined)[], primaryOnly = false): string[] {
    return instances.flatMap((i) => (i ? [i.primaryNode, ...(primaryOnly ? [] : i.secondaryNodes)] : [])).flatMap((n) => this.nodeUuid(n));
  }

  /** UUIDs of the groups of the given node UUIDs. */
  groupsOfNodes(nodeUuids: readonly string[]): string[] {
    return nodeUuids.flatMap((u) => this.groupUuid(this.cluster.nodes.find((n) => n.uuid === u)?.group));
  }

  /** Node UUIDs of a group (by UUID). */
  groupMembers(groupUuids: readonly string[]): string[] {
    const names = new Set(this.cluster.groups.filter((g) => groupUuids.includes(g.uuid)).map((g) => g.name));
    return this.cluster.nodes.filter((n) => names.has(n.group)).map((n) => n.uuid);
  }

  /** Names of the instances whose nodes are in a group (`GetNodeGroupInstances`). */
  groupInstances(groupUuids: readonly string[], primaryOnly = false): string[] {
    const members = new Set(this.groupMembers(groupUuids));
    return this.cluster.instances.filter((i) => this.instanceNodes([i], primaryOnly).some((u) => members.has(u))).map((i) => i.name);
  }

  /** UUIDs of the groups an instance's nodes are in. */
  instanceGroups(instances: readonly (InstanceData | undefined)[], primaryOnly = false): string[] {
    return this.groupsOfNodes(this.instanceNodes(instances, primaryOnly));
  }

  masterUuid(): string[] {
    return this.nodeUuid(this.cluster.info.master);
  }
}

type LockFn = (op: Record<string, unknown>, l: Lookup) => Needs;

/** `_ExpandAndLockInstance` plus its nodes (`_LockInstancesNodes`), all exclusive. */
function instanceWith(opts: { nodes?: boolean; primaryOnly?: boolean; res?: boolean; shared?: boolean } = {}): LockFn {
  return (op, l) => {
    const inst = l.instance(op['instance_name']);
    const nodes = l.instanceNodes([inst], opts.primaryOnly);
    return levels(opts.shared ?? false, {
      instance: inst ? [inst.name] : [],
      ...(opts.nodes ? { node: nodes } : {}),
      ...(opts.res ? { 'node-res': nodes } : {}),
    });
  };
}

const none: LockFn = () => ({});
const allNodes =
  (shared: boolean): LockFn =>
  () =>
    levels(shared, { node: 'all' });
const nodeList =
  (param: string, shared: boolean): LockFn =>
  (op, l) =>
    levels(shared, { node: Array.isArray(op[param]) && op[param].length > 0 ? l.nodeUuids(op[param]) : 'all' });
const oneNode =
  (shared: boolean): LockFn =>
  (op, l) =>
    levels(shared, { node: l.nodeUuid(op['node_name']) });

/** The tag LUs (TagsLU.ExpandNames): the tagged object's lock, cluster tags none. */
function tagLocks(shared: boolean, needsUseLocking: boolean): LockFn {
  return (op, l) => {
    if (needsUseLocking && op['use_locking'] !== true) return {};
    switch (op['kind']) {
      case 'node':
        return levels(shared, { node: l.nodeUuid(op['name']) });
      case 'instance': {
        const i = l.instance(op['name']);
        return levels(shared, { instance: i ? [i.name] : [] });
      }
      case 'nodegroup':
        return levels(shared, { nodegroup: l.groupUuid(op['name']) });
      case 'network':
        return levels(shared, { network: l.networkUuid(op['name']) });
      default:
        return {};
    }
  };
}

/** Opcodes whose LU keeps REQ_BGL = True: the BGL exclusively, nothing else. */
const REQ_BGL: ReadonlySet<string> = new Set([
  'OP_CLUSTER_ACTIVATE_MASTER_IP',
  'OP_CLUSTER_DEACTIVATE_MASTER_IP',
  'OP_CLUSTER_DESTROY',
  'OP_CLUSTER_POST_INIT',
  'OP_CLUSTER_RENAME',
  'OP_NODE_ADD',
  'OP_NODE_REMOVE',
  'OP_TEST_ALLOCATOR',
]);

/** Instances the group's members host, the group, and the members (shared): group verify/evacuate. */
function groupSweep(op: Record<string, unknown>, l: Lookup, targets: boolean): Needs {
  const group = l.groupUuid(op['group_name']);
  const instances = l.groupInstances(group);
  const inst = instances.map((n) => l.instance(n));
  const targetGroups = targets && Array.isArray(op['target_groups']) ? op['target_groups'].flatMap((g) => l.groupUuid(g)) : [];
  const groups: Names = targets && targetGroups.length === 0 ? 'all' : [...group, ...targetGroups, ...l.instanceGroups(inst)];
  const memberGroups = groups === 'all' ? l.cluster.groups.map((g) => g.uuid) : groups;
  return levels(true, { instance: instances, nodegroup: groups, node: [...l.instanceNodes(inst), ...l.groupMembers(memberGroups)] });
}

/**
 * Locks per OP_ID below the BGL, from each LU's ExpandNames/DeclareLocks (Ganeti 3.0). Opcodes
 * missing here lock nothing but the BGL (shared).
 */
const LOCKS: Readonly<Record<string, LockFn>> = {
  OP_BACKUP_EXPORT: (op, l) => {
    const inst = l.instance(op['instance_name']);
    const node: Names = op['mode'] !== 'remote' ? 'all' : op['zero_free_space'] === true ? l.instanceNodes([inst], true) : [];
    return levels(false, { instance: inst ? [inst.name] : [], node });
  },
  OP_BACKUP_PREPARE: instanceWith(),
  OP_BACKUP_REMOVE: allNodes(false),
  OP_CLUSTER_REDIST_CONF: allNodes(true),
  OP_CLUSTER_RENEW_CRYPTO: allNodes(false),
  OP_CLUSTER_REPAIR_DISK_SIZES: (op, l) => {
    const wanted = Array.isArray(op['instances']) && op['instances'].length > 0 ? op['instances'].map((n) => l.instance(n)) : null;
    return {
      instance: { names: wanted ? wanted.flatMap((i) => (i ? [i.name] : [])) : 'all', shared: false },
      'node-res': { names: wanted ? l.instanceNodes(wanted, true) : 'all', shared: true },
    };
  },
  OP_CLUSTER_SET_PARAMS: () => levels(true, { instance: 'all', nodegroup: 'all', node: 'all' }),
  OP_CLUSTER_VERIFY_CONFIG: () => levels(true, { instance: 'all', nodegroup: 'all', node: 'all', 'node-res': 'all', network: 'all' }),
  OP_CLUSTER_VERIFY_DISKS: (op, l) =>
    levels(true, { nodegroup: typeof op['group_name'] === 'string' ? l.groupUuid(op['group_name']) : 'all' }),
  OP_CLUSTER_VERIFY_GROUP: (op, l) => {
    const group = l.groupUuid(op['group_name']);
    const instances = l.groupInstances(group, true);
    const mirrored = instances.map((n) => l.instance(n)).filter((i) => i?.diskTemplate === 'drbd');
    return levels(true, { instance: instances, nodegroup: group, node: [...l.groupMembers(group), ...l.instanceNodes(mirrored)] });
  },
  OP_GROUP_ASSIGN_NODES: (op, l) => {
    const nodes = l.nodeUuids(op['nodes']);
    return levels(false, { nodegroup: [...l.groupUuid(op['group_name']), ...l.groupsOfNodes(nodes)], node: nodes });
  },
  OP_GROUP_EVACUATE: (op, l) => groupSweep(op, l, true),
  OP_GROUP_REMOVE: (op, l) => levels(false, { nodegroup: l.groupUuid(op['group_name']) }),
  OP_GROUP_RENAME: (op, l) => levels(false, { nodegroup: l.groupUuid(op['group_name']) }),
  OP_GROUP_SET_PARAMS: (op, l) => {
    const group = l.groupUuid(op['group_name']);
    return { instance: { names: l.groupInstances(group), shared: true }, nodegroup: { names: group, shared: false } };
  },
  OP_GROUP_VERIFY_DISKS: (op, l) => groupSweep(op, l, false),
  OP_INSTANCE_ACTIVATE_DISKS: instanceWith({ nodes: true }),
  OP_INSTANCE_CHANGE_GROUP: (op, l) => {
    const inst = l.instance(op['instance_name']);
    const targets = Array.isArray(op['target_groups']) ? op['target_groups'].flatMap((g) => l.groupUuid(g)) : [];
    if (targets.length === 0) return levels(true, { instance: inst ? [inst.name] : [], nodegroup: 'all', node: 'all' });
    const groups = [...targets, ...l.instanceGroups([inst])];
    return levels(true, {
      instance: inst ? [inst.name] : [],
      nodegroup: groups,
      node: [...l.instanceNodes([inst]), ...l.groupMembers(groups)],
    });
  },
  OP_INSTANCE_CONSOLE: instanceWith({ shared: true }),
  OP_INSTANCE_CREATE: (op, l) => {
    let nodes: Names = typeof op['iallocator'] === 'string' ? 'all' : [...l.nodeUuid(op['pnode']), ...l.nodeUuid(op['snode'])];
    if (op['mode'] === 'import') nodes = op['src_node'] === undefined || op['src_node'] === null ? 'all' : nodes;
    if (nodes !== 'all' && op['mode'] === 'import') nodes = [...nodes, ...l.nodeUuid(op['src_node'])];
    const name = typeof op['instance_name'] === 'string' ? [op['instance_name']] : [];
    return {
      instance: { names: name, shared: false },
      nodegroup: { names: nodes === 'all' ? 'all' : l.groupsOfNodes(nodes), shared: true },
      node: { names: nodes, shared: false },
      'node-res': { names: nodes, shared: false },
    };
  },
  OP_INSTANCE_DEACTIVATE_DISKS: instanceWith({ nodes: true }),
  OP_INSTANCE_FAILOVER: instanceWith({ nodes: true, res: true }),
  OP_INSTANCE_GROW_DISK: instanceWith({ nodes: true, res: true }),
  OP_INSTANCE_MIGRATE: instanceWith({ nodes: true, res: true }),
  OP_INSTANCE_MOVE: (op, l) => {
    const inst = l.instance(op['instance_name']);
    const nodes = [...l.nodeUuid(op['target_node']), ...l.instanceNodes([inst], true)];
    return levels(false, { instance: inst ? [inst.name] : [], node: nodes, 'node-res': nodes });
  },
  OP_INSTANCE_MULTI_ALLOC: (op, l) => {
    if (typeof op['iallocator'] === 'string') return levels(true, { node: 'all', 'node-res': 'all' });
    const specs = Array.isArray(op['instances']) ? (op['instances'] as Record<string, unknown>[]) : [];
    const nodes = specs.flatMap((s) => [...l.nodeUuid(s?.['pnode']), ...l.nodeUuid(s?.['snode'])]);
    return levels(true, { node: nodes, 'node-res': nodes });
  },
  OP_INSTANCE_QUERY_DATA: (op, l) => {
    if (op['static'] === true && op['use_locking'] !== true) return {};
    const wanted = Array.isArray(op['instances']) && op['instances'].length > 0 ? op['instances'].map((n) => l.instance(n)) : null;
    const inst = wanted ?? l.cluster.instances;
    const nets = new Set(inst.flatMap((i) => i?.nics.map((n) => n.network) ?? []));
    return levels(true, {
      instance: wanted ? wanted.flatMap((i) => (i ? [i.name] : [])) : 'all',
      nodegroup: l.instanceGroups(inst),
      node: l.instanceNodes(inst),
      network: [...nets].flatMap((n) => l.networkUuid(n)),
    });
  },
  OP_INSTANCE_REBOOT: instanceWith(),
  OP_INSTANCE_RECREATE_DISKS: (op, l) => {
    const inst = l.instance(op['instance_name']);
    const given = Array.isArray(op['nodes']) && op['nodes'].length > 0;
    const groups = !given && typeof op['iallocator'] === 'string' ? l.instanceGroups([inst], true) : null;
    const nodes = given ? l.nodeUuids(op['nodes']) : groups ? l.groupMembers(groups) : l.instanceNodes([inst]);
    return {
      instance: { names: inst ? [inst.name] : [], shared: false },
      ...(groups ? { nodegroup: { names: groups, shared: true } } : {}),
      node: { names: nodes, shared: false },
      'node-res': { names: nodes, shared: false },
    };
  },
  OP_INSTANCE_REINSTALL: instanceWith(),
  OP_INSTANCE_REMOVE: instanceWith({ nodes: true, res: true }),
  OP_INSTANCE_RENAME: (op, l) => {
    const inst = l.instance(op['instance_name']);
    const fresh = typeof op['new_name'] === 'string' && op['new_name'] !== inst?.name ? [op['new_name']] : [];
    return levels(false, { instance: [...(inst ? [inst.name] : []), ...fresh] });
  },
  OP_INSTANCE_REPLACE_DISKS: (op, l) => {
    const inst = l.instance(op['instance_name']);
    const groups = typeof op['iallocator'] === 'string' ? l.instanceGroups([inst]) : null;
    const nodes = groups ? l.groupMembers(groups) : [...l.nodeUuid(op['remote_node']), ...l.instanceNodes([inst])];
    return {
      instance: { names: inst ? [inst.name] : [], shared: false },
      ...(groups ? { nodegroup: { names: groups, shared: true } } : {}),
      node: { names: nodes, shared: false },
      'node-res': { names: nodes, shared: false },
    };
  },
  OP_INSTANCE_SET_PARAMS: (op, l) => {
    const inst = l.instance(op['instance_name']);
    const template = op['disk_template'];
    let nodes = l.instanceNodes([inst]);
    if (typeof template === 'string' && op['remote_node'] !== undefined && op['remote_node'] !== null) {
      nodes = [...nodes, ...l.nodeUuid(op['remote_node'])];
    } else if (template === 'drbd') {
      nodes = l.groupMembers(l.groupsOfNodes(nodes));
    }
    return {
      instance: { names: inst ? [inst.name] : [], shared: false },
      nodegroup: { names: l.instanceGroups([inst]), shared: true },
      node: { names: nodes, shared: false },
      ...(typeof template === 'string' ? { 'node-res': { names: nodes, shared: false } } : {}),
    };
  },
  OP_INSTANCE_SHUTDOWN: instanceWith(),
  OP_INSTANCE_STARTUP: (op, l) => {
    const inst = l.instance(op['instance_name']);
    return levels(false, { instance: inst ? [inst.name] : [], 'node-res': l.instanceNodes([inst], true) });
  },
  OP_NETWORK_ADD: (op) => (op['conflicts_check'] === false ? {} : levels(true, { node: 'all' })),
  OP_NETWORK_CONNECT: (op, l) => {
    const group = l.groupUuid(op['group_name']);
    const check = op['conflicts_check'] !== false;
    return {
      instance: { names: check ? l.groupInstances(group) : [], shared: true },
      nodegroup: { names: group, shared: false },
      ...(check ? { network: { names: l.networkUuid(op['network_name']), shared: true } } : {}),
    };
  },
  OP_NETWORK_DISCONNECT: (op, l) => {
    const group = l.groupUuid(op['group_name']);
    return { instance: { names: l.groupInstances(group), shared: true }, nodegroup: { names: group, shared: false } };
  },
  OP_NETWORK_REMOVE: (op, l) => ({
    nodegroup: { names: 'all', shared: true },
    network: { names: l.networkUuid(op['network_name']), shared: false },
  }),
  OP_NETWORK_SET_PARAMS: (op, l) => levels(false, { network: l.networkUuid(op['network_name']) }),
  OP_NODE_EVACUATE: (op, l) => {
    const node = l.node(op['node_name']);
    const remote = l.nodeUuid(op['remote_node']);
    const nodes = [
      ...(node ? [node.uuid] : []),
      ...(remote.length > 0 ? remote : l.groupMembers(l.groupsOfNodes(node ? [node.uuid] : []))),
    ];
    const mode = op['mode'];
    const instances = l.cluster.instances.filter(
      (i) =>
        (mode !== 'secondary-only' && i.primaryNode === node?.name) ||
        (mode !== 'primary-only' && node !== undefined && i.secondaryNodes.includes(node.name)),
    );
    return levels(true, { instance: instances.map((i) => i.name), nodegroup: l.groupsOfNodes(nodes), node: nodes });
  },
  OP_NODE_MIGRATE: oneNode(true),
  OP_NODE_MODIFY_STORAGE: oneNode(false),
  OP_NODE_QUERYVOLS: nodeList('nodes', true),
  OP_NODE_QUERY_STORAGE: nodeList('nodes', true),
  OP_NODE_SET_PARAMS: (op, l) => {
    const node = l.node(op['node_name']);
    const uuid = node ? [node.uuid] : [];
    const lockInstances = typeof op['secondary_ip'] === 'string';
    return {
      node: { names: uuid, shared: false },
      'node-res': { names: uuid, shared: false },
      ...(lockInstances
        ? {
            instance: {
              names: l.cluster.instances.filter((i) => l.instanceNodes([i]).some((u) => uuid.includes(u))).map((i) => i.name),
              shared: true,
            },
          }
        : {}),
    };
  },
  OP_OOB_COMMAND: nodeList('node_names', false),
  OP_REPAIR_NODE_STORAGE: oneNode(false),
  OP_RESTRICTED_COMMAND: (op, l) => levels(op['use_locking'] !== true, { node: l.nodeUuids(op['nodes']) }),
  OP_TAGS_DEL: tagLocks(false, false),
  OP_TAGS_GET: tagLocks(true, true),
  OP_TAGS_SET: tagLocks(false, false),
  // LUTestDelay locks its nodes whatever no_locks says (it sets needed_locks after the check).
  OP_TEST_DELAY: (op, l) => {
    const nodes = l.nodeUuids(op['on_nodes']);
    if (op['on_master'] === true) for (const m of l.masterUuid()) if (!nodes.includes(m)) nodes.push(m);
    return levels(false, { node: nodes });
  },
  OP_TEST_JQUEUE: (_op, l) => levels(false, { node: l.masterUuid() }),
  OP_CLUSTER_CONFIG_QUERY: none,
  OP_CLUSTER_QUERY: none,
  OP_CLUSTER_VERIFY: none,
  OP_NODE_POWERCYCLE: none,
  OP_QUERY: none,
  OP_QUERY_FIELDS: none,
  OP_TAGS_SEARCH: none,
};

/**
 * The locks an opcode takes on `cluster`, as the real LU would ask WConfd for them: names
 * sorted within a level (mcpu `_AcquireLocks`), a whole level as "<level>/[lockset]".
 */
export function opLocks(op: Record<string, unknown>, cluster: ClusterData): OpLocks {
  const id = String(op['OP_ID']);
  if (REQ_BGL.has(id)) return { bgl: 'exclusive', levels: [] };
  const lookup = new Lookup(cluster);
  const needs = (LOCKS[id] ?? none)(op, lookup);
  const requests: LockRequest[] = [];
  if (lookup.missing) return { bgl: 'shared', levels: requests };
  for (const level of LEVELS) {
    const need = needs[level];
    if (!need) continue;
    const mode: LockMode = need.shared ? 'shared' : 'exclusive';
    const names = need.names === 'all' ? ['[lockset]'] : [...new Set(need.names)].sort();
    for (const n of names) requests.push([`${level}/${n}`, mode]);
  }
  return { bgl: 'shared', levels: requests };
}
