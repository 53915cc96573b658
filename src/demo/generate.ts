/**
 * Generated clusters for scale tests (`serve --demo --generate nodes=N,instances=M,groups=G`):
 * `parseGenerateSpec` reads the compact spec, `generateCluster` builds a {@link ClusterData}
 * from it, deterministically for a seed. The result is consistent the way htools check it
 * (HTools/Loader.hs `updateMissing`, Cluster.hs `computeBadItems`): free memory and disk add
 * up with the instances, and every node can take over its drbd peers' memory (N+1).
 */
import type { ClusterData, DiskData, GroupData, InstanceData, NodeData, NodeLive } from './cluster.js';
import { sampleCluster } from './cluster-sample.js';

/** The disk templates a generated cluster can use. */
export const GENERATE_TEMPLATES = ['drbd', 'plain', 'diskless'] as const;
export type GenerateTemplate = (typeof GENERATE_TEMPLATES)[number];

/** What to generate. */
export interface GenerateSpec {
  /** Number of nodes, 1 to {@link GENERATE_LIMITS}.nodes.max. */
  nodes: number;
  /** Number of instances, 0 to {@link GENERATE_LIMITS}.instances.max. */
  instances: number;
  /** Number of node groups, 1 to `nodes`; nodes are split evenly, in name order. */
  groups: number;
  /** PRNG seed, an integer 0 to 2^32-1. Default: {@link DEFAULT_GENERATE_SEED}. */
  seed?: number;
  /**
   * Disk templates to mix. Default: all of {@link GENERATE_TEMPLATES} (drbd only where a
   * group has two nodes). Naming drbd requires a group of at least two nodes.
   */
  templates?: readonly GenerateTemplate[];
}

/** Bounds of the spec's counts (inclusive). */
export const GENERATE_LIMITS = {
  nodes: { min: 1, max: 10_000 },
  instances: { min: 0, max: 200_000 },
  groups: { min: 1, max: 10_000 },
  seed: { min: 0, max: 2 ** 32 - 1 },
} as const;

/** Seed used when the spec names none. */
export const DEFAULT_GENERATE_SEED = 1;

/** A spec that cannot be generated; `key` names the offending key. */
export class GenerateSpecError extends Error {
  override readonly name = 'GenerateSpecError';
  readonly key: string;
  readonly problem: string;

  constructor(key: string, problem: string) {
    super(`generate spec: ${key}: ${problem}`);
    this.key = key;
    this.problem = problem;
  }
}

const SPEC_KEYS = ['nodes', 'instances', 'groups', 'seed', 'templates'] as const;
/** Share of each template when all are enabled (weights, normalised over the enabled ones). */
const TEMPLATE_WEIGHTS: Record<GenerateTemplate, number> = { drbd: 50, plain: 35, diskless: 15 };

/**
 * Parses `nodes=N,instances=M,groups=G[,seed=S][,templates=drbd+plain]` and checks it.
 * @throws GenerateSpecError naming the unknown, repeated, missing or out-of-range key.
 */
export function parseGenerateSpec(text: string): Required<GenerateSpec> {
  const raw: Record<string, string> = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq).trim();
    if (!(SPEC_KEYS as readonly string[]).includes(key)) {
      throw new GenerateSpecError(key, `unknown key; the keys are ${SPEC_KEYS.join(', ')}`);
    }
    if (eq < 0) throw new GenerateSpecError(key, `needs a value (${key}=...)`);
    if (key in raw) throw new GenerateSpecError(key, 'given twice');
    raw[key] = item.slice(eq + 1).trim();
  }
  const spec: GenerateSpec = { nodes: NaN, instances: NaN, groups: NaN };
  for (const key of ['nodes', 'instances', 'groups', 'seed'] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (!/^\d+$/.test(v)) throw new GenerateSpecError(key, `expected a whole number, got '${v}'`);
    spec[key] = Number(v);
  }
  for (const key of ['nodes', 'instances', 'groups'] as const) {
    if (raw[key] === undefined) throw new GenerateSpecError(key, `missing (the spec is nodes=N,instances=M,groups=G[,seed=S])`);
  }
  if (raw['templates'] !== undefined) {
    spec.templates = raw['templates'].split('+').map((t) => t.trim()) as GenerateTemplate[];
  }
  return resolveGenerateSpec(spec);
}

function checkCount(key: keyof typeof GENERATE_LIMITS, value: unknown, max: number): number {
  const min = GENERATE_LIMITS[key].min;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new GenerateSpecError(key, `must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * Checks a spec and fills its defaults.
 * @throws GenerateSpecError naming the first bad key.
 */
export function resolveGenerateSpec(spec: GenerateSpec): Required<GenerateSpec> {
  const nodes = checkCount('nodes', spec.nodes, GENERATE_LIMITS.nodes.max);
  const instances = checkCount('instances', spec.instances, GENERATE_LIMITS.instances.max);
  if (typeof spec.groups === 'number' && Number.isSafeInteger(spec.groups) && spec.groups > nodes && nodes >= 1) {
    throw new GenerateSpecError('groups', `must be at most nodes (${nodes}): every group needs a node, got ${spec.groups}`);
  }
  const groups = checkCount('groups', spec.groups, Math.min(nodes, GENERATE_LIMITS.groups.max));
  const seed = checkCount('seed', spec.seed ?? DEFAULT_GENERATE_SEED, GENERATE_LIMITS.seed.max);
  const given = spec.templates;
  let templates: GenerateTemplate[];
  if (given === undefined) {
    templates = [...GENERATE_TEMPLATES];
  } else {
    if (!Array.isArray(given) || given.length === 0) throw new GenerateSpecError('templates', 'needs at least one disk template');
    for (const t of given) {
      if (!(GENERATE_TEMPLATES as readonly string[]).includes(t)) {
        throw new GenerateSpecError('templates', `'${String(t)}' is not one of ${GENERATE_TEMPLATES.join(', ')}`);
      }
    }
    templates = [...new Set(given)];
    if (templates.includes('drbd') && Math.ceil(nodes / groups) < 2) {
      throw new GenerateSpecError(
        'templates',
        `drbd needs a group of at least 2 nodes, but nodes=${nodes} in groups=${groups} gives each group 1`,
      );
    }
  }
  return { nodes, instances, groups, seed, templates };
}

// ---------------------------------------------------------------------------------------
// A small seeded PRNG: sfc32 (128-bit state), its state filled by splitmix32 from the seed.

interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
  /** 8 random hex digits. */
  hex32(): string;
}

function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const u32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) u32();
  const next = (): number => u32() / 4294967296;
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T,
    hex32: () => u32().toString(16).padStart(8, '0'),
  };
}

/** Object kinds in the UUIDs' fourth field: unique by construction, whatever the PRNG gives. */
const UUID_KIND = { cluster: 0x8000, group: 0x8001, node: 0x8002, instance: 0x8003, disk: 0x8004, nic: 0x8005 } as const;

/** A version-4-shaped UUID: random leading fields, then the object kind and its index. */
function uuid(rng: Rng, kind: keyof typeof UUID_KIND, index: number): string {
  const r = rng.hex32();
  const q = rng.hex32();
  return `${r}-${q.slice(0, 4)}-4${q.slice(4, 7)}-${UUID_KIND[kind].toString(16)}-${index.toString(16).padStart(12, '0')}`;
}

/** `base.b.c.d` from a 1-based index: 254 hosts (1..254) per /24, counting up the third octet then the second. */
function indexedIp(first: number, second: number, index: number): string {
  const host = index - 1;
  const block = Math.floor(host / 254);
  return `${first}.${second + Math.floor(block / 256)}.${block % 256}.${(host % 254) + 1}`;
}

function mac(index: number): string {
  const h = index.toString(16).padStart(6, '0');
  return `aa:00:00:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
}

/** Memory htools count for a KVM node itself, whatever mnode says (Loader.hs setStaticKvmNodeMem). */
const STATIC_NODE_MEMORY_MIB = 4096;
/** DRBD metadata per disk, in MiB (Constants.hs `drbdMetaSize`). */
const DRBD_META_MIB = 128;
const MEMORY_CHOICES = [512, 1024, 1024, 2048, 2048, 4096, 8192];
const VCPU_CHOICES = [1, 1, 2, 2, 4];
const DISK_CHOICES = [10240, 20480, 20480, 51200, 102400];
/** Smallest node sizes (memory, disk in MiB; CPUs), grown to fit what lands on a node. */
const NODE_MEMORY_CHOICES = [16384, 24576, 32768];
const NODE_DISK_CHOICES = [262144, 393216, 524288];
const NODE_CPU_CHOICES = [8, 16];
/** The cluster ipolicy's vcpu-ratio (cluster-sample.ts). */
const VCPU_RATIO = 4;
const APP_TAGS = ['app:web', 'app:db', 'app:cache', 'app:batch', 'app:ci'];

const roundUp = (v: number, step: number): number => Math.ceil(v / step) * step;

/** What the placement adds up per node. */
interface Load {
  /** Memory of running primaries (htools `nodeImem`). */
  memory: number;
  /** disk_usage of primaries and secondaries (htools `nodeIdsk`). */
  disk: number;
  vcpus: number;
  /** Per primary node: memory of its auto-balanced drbd instances with this node as secondary (htools `rMem` peers). */
  peers: Map<number, number>;
}

function groupName(k: number): string {
  return k === 1 ? 'default' : `group${k}`;
}

/**
 * Builds a consistent cluster: `nodes` nodes `nodeN.example.com` split evenly over `groups`
 * groups (`default`, `group2`, ...), `instances` instances `instN.example.com` with drbd
 * (secondary in the primary's group), plain and diskless disks, running, stopped and
 * offline. About 2% of nodes are offline (holding no instances) and 3% drained, never node1,
 * the master. Node memory, disk and CPUs are sized to hold what lands on them with about a
 * fifth to spare (N+1 memory included), and every free figure is what htools compute from
 * the instances.
 * @throws GenerateSpecError for a bad spec (see {@link resolveGenerateSpec}).
 */
export function generateCluster(input: GenerateSpec): ClusterData {
  const spec = resolveGenerateSpec(input);
  const rng = createRng(spec.seed);
  const info = structuredClone(sampleCluster().info);
  info.master = 'node1.example.com';
  info.uuid = uuid(rng, 'cluster', 0);
  info.tags = ['generated', `seed:${spec.seed}`];

  // Groups: nodes in name order, the first `nodes % groups` groups one node larger.
  const groups: GroupData[] = [];
  const groupOf: number[] = [];
  const per = Math.floor(spec.nodes / spec.groups);
  const larger = spec.nodes % spec.groups;
  for (let k = 1; k <= spec.groups; k++) {
    groups.push({
      name: groupName(k),
      uuid: uuid(rng, 'group', k),
      allocPolicy: 'preferred',
      ipolicy: {},
      ndparams: {},
      diskparams: {},
      networks: {},
      tags: [],
      ctime: 1700000000 + k + 0.5,
      mtime: 1730000000 + k + 0.5,
      serialNo: 1,
    });
    const size = per + (k <= larger ? 1 : 0);
    for (let j = 0; j < size; j++) groupOf.push(k);
  }

  // Nodes: offline ones only where the group keeps 3 online, so drbd stays possible there.
  const sizeOf = (k: number): number => per + (k <= larger ? 1 : 0);
  const offlineIn = new Map<number, number>();
  const nodes: NodeData[] = [];
  const base: Array<{ mtotal: number; dtotal: number; ctotal: number }> = [];
  let candidates = 0;
  const pool = Number(info['candidate_pool_size'] ?? 10);
  for (let n = 1; n <= spec.nodes; n++) {
    const g = groupOf[n - 1] as number;
    const roll = rng.next();
    const off = offlineIn.get(g) ?? 0;
    const offline = n > 1 && roll < 0.02 && sizeOf(g) - off - 1 >= 3;
    if (offline) offlineIn.set(g, off + 1);
    const drained = n > 1 && !offline && roll >= 0.02 && roll < 0.05;
    const candidate = !offline && !drained && candidates < pool;
    if (candidate) candidates++;
    base.push({ mtotal: rng.pick(NODE_MEMORY_CHOICES), dtotal: rng.pick(NODE_DISK_CHOICES), ctotal: rng.pick(NODE_CPU_CHOICES) });
    nodes.push({
      name: `node${n}.example.com`,
      uuid: uuid(rng, 'node', n),
      group: groupName(g),
      primaryIp: indexedIp(10, 1, n),
      secondaryIp: indexedIp(10, 128, n),
      offline,
      drained,
      masterCandidate: candidate,
      masterCapable: true,
      vmCapable: true,
      ndparams: {},
      tags: [],
      ctime: 1700000100 + n + 0.5,
      mtime: 1735000000 + n + 0.25,
      serialNo: 1,
      live: null,
      powered: true,
      pvAllocatable: true,
    });
  }

  // Placement pools: online nodes, all and per group; drbd only in groups of 2 or more.
  const online: number[] = [];
  const onlineByGroup = new Map<number, number[]>();
  nodes.forEach((node, idx) => {
    if (node.offline) return;
    online.push(idx);
    const g = groupOf[idx] as number;
    const list = onlineByGroup.get(g);
    if (list) list.push(idx);
    else onlineByGroup.set(g, [idx]);
  });
  const drbdPool = online.filter((idx) => (onlineByGroup.get(groupOf[idx] as number)?.length ?? 0) >= 2);
  const templates = spec.templates.filter((t) => t !== 'drbd' || drbdPool.length > 0);
  const weightSum = templates.reduce((s, t) => s + TEMPLATE_WEIGHTS[t], 0);
  const pickTemplate = (): GenerateTemplate => {
    let r = rng.next() * weightSum;
    for (const t of templates) {
      r -= TEMPLATE_WEIGHTS[t];
      if (r < 0) return t;
    }
    return templates[templates.length - 1] as GenerateTemplate;
  };

  const load: Load[] = nodes.map(() => ({ memory: 0, disk: 0, vcpus: 0, peers: new Map() }));
  const instances: InstanceData[] = [];
  for (let i = 1; i <= spec.instances; i++) {
    const template = pickTemplate();
    const pIdx = template === 'drbd' ? rng.pick(drbdPool) : rng.pick(online);
    let sIdx: number | undefined;
    if (template === 'drbd') {
      const mates = onlineByGroup.get(groupOf[pIdx] as number) ?? [];
      const k = rng.int(mates.length - 1);
      const cand = mates[k] as number;
      sIdx = cand === pIdx ? (mates[mates.length - 1] as number) : cand;
    }
    const roll = rng.next();
    const adminState: InstanceData['adminState'] = roll < 0.8 ? 'up' : roll < 0.96 ? 'down' : 'offline';
    const memory = rng.pick(MEMORY_CHOICES);
    const vcpus = rng.pick(VCPU_CHOICES);
    const diskCount = template === 'diskless' ? 0 : ((r) => (r < 0.7 ? 1 : r < 0.95 ? 2 : 3))(rng.next());
    const disks: DiskData[] = [];
    for (let d = 0; d < diskCount; d++) {
      disks.push({ uuid: uuid(rng, 'disk', i * 16 + d), name: null, size: rng.pick(DISK_CHOICES), spindles: 1 });
    }
    const tagRoll = rng.next();
    const running = adminState === 'up';
    const inst: InstanceData = {
      name: `inst${i}.example.com`,
      uuid: uuid(rng, 'instance', i),
      primaryNode: (nodes[pIdx] as NodeData).name,
      secondaryNodes: sIdx === undefined ? [] : [(nodes[sIdx] as NodeData).name],
      os: 'debootstrap+default',
      hypervisor: 'kvm',
      adminState,
      adminStateSource: 'admin',
      disksActive: running && template !== 'diskless',
      diskTemplate: template,
      disks,
      nics: [
        {
          uuid: uuid(rng, 'nic', i),
          name: null,
          mac: mac(i),
          ip: indexedIp(172, 16, i),
          network: null,
          mode: 'bridged',
          link: 'br0',
          vlan: '',
        },
      ],
      beparams: { maxmem: memory, minmem: memory, vcpus },
      hvparams: {},
      osparams: {},
      // Ganeti allocates KVM ports from 11000 up (ConfigWriter.AllocatePort); one per instance.
      networkPort: 11000 + i - 1 <= 65535 ? 11000 + i - 1 : null,
      forthcoming: false,
      running,
      tags: tagRoll < 0.6 ? [APP_TAGS[Math.floor((tagRoll / 0.6) * APP_TAGS.length)] as string] : [],
      ctime: 1710000000 + i + 0.125,
      mtime: 1736000000 + i + 0.75,
      serialNo: 1 + (i % 5),
    };
    instances.push(inst);

    // Accounting as htools do it (Loader.hs nodeImem/nodeIdsk, Node.hs rMem).
    const usage = template === 'diskless' ? 0 : disks.reduce((s, d) => s + d.size + (template === 'drbd' ? DRBD_META_MIB : 0), 0);
    const p = load[pIdx] as Load;
    if (running) p.memory += memory;
    p.disk += usage;
    p.vcpus += vcpus;
    if (sIdx !== undefined) {
      const s = load[sIdx] as Load;
      s.disk += usage;
      // Instance.usesSecMem: not admin-offline and auto_balance (the cluster default, true).
      if (adminState !== 'offline') s.peers.set(pIdx, (s.peers.get(pIdx) ?? 0) + memory);
    }
  }

  // Size each online node to hold its load with room to spare, then report what is left.
  nodes.forEach((node, idx) => {
    if (node.offline) return;
    const l = load[idx] as Load;
    const b = base[idx] as (typeof base)[number];
    let reserve = 0;
    for (const v of l.peers.values()) reserve = Math.max(reserve, v);
    // About a fifth spare, so that htools' allocation simulations (hspace) stay short.
    const needMem = STATIC_NODE_MEMORY_MIB + l.memory + reserve;
    const mtotal = Math.max(b.mtotal, roundUp(needMem * 1.2, 1024));
    const dtotal = Math.max(b.dtotal, roundUp(l.disk * 1.2, 1024));
    const ctotal = Math.max(b.ctotal, roundUp((l.vcpus / VCPU_RATIO) * 1.2, 8));
    const liveData: NodeLive = {
      mtotal,
      mnode: 1024,
      mfree: mtotal - STATIC_NODE_MEMORY_MIB - l.memory,
      dtotal,
      dfree: dtotal - l.disk,
      ctotal,
      cnos: 1,
      cnodes: 1,
      csockets: ctotal >= 32 ? 2 : 1,
      sptotal: 2,
      spfree: 2,
      bootid: `${rng.hex32()}-${rng.hex32()}`,
    };
    node.live = liveData;
  });

  return {
    info,
    groups,
    nodes,
    instances,
    networks: [],
    filters: [],
    exports: {},
    watcherPause: null,
  };
}
