/**
 * The built-in sample cluster of the demo luxid, as plain data: cluster info with the 55
 * QueryClusterInfo keys of Ganeti 3.0, groups, nodes, instances, networks, a filter and
 * exports. The types live in cluster.ts.
 */
import type { ClusterData, InstanceData, IPolicy, ISpec, NodeData, NodeLive } from './cluster.js';

const ISPEC_MIN: ISpec = {
  'memory-size': 128,
  'cpu-count': 1,
  'disk-count': 1,
  'disk-size': 1024,
  'nic-count': 1,
  'spindle-use': 1,
};
const ISPEC_MAX: ISpec = {
  'memory-size': 32768,
  'cpu-count': 8,
  'disk-count': 16,
  'disk-size': 1048576,
  'nic-count': 8,
  'spindle-use': 12,
};
const ISPEC_STD: ISpec = {
  'memory-size': 1024,
  'cpu-count': 1,
  'disk-count': 1,
  'disk-size': 10240,
  'nic-count': 1,
  'spindle-use': 1,
};

/** The cluster-level QueryClusterInfo keys whose values do not depend on the objects. */
function clusterInfo(): ClusterData['info'] {
  const ipolicy: IPolicy = {
    minmax: [{ min: { ...ISPEC_MIN }, max: { ...ISPEC_MAX } }],
    std: { ...ISPEC_STD },
    'vcpu-ratio': 4.0,
    'spindle-ratio': 32.0,
    // Only enabled templates (enabled_disk_templates below), as LUClusterSetParams requires.
    'disk-templates': ['drbd', 'plain', 'diskless'],
  };
  return {
    software_version: '3.0.2',
    protocol_version: 3000000,
    config_version: 3000000,
    os_api_version: 20,
    export_version: 0,
    vcs_version: '(ganeti) version v3.0.2',
    architecture: ['64bits', 'x86_64'],
    name: 'cluster.example.com',
    master: 'node1.example.com',
    default_hypervisor: 'kvm',
    enabled_hypervisors: ['kvm', 'fake'],
    hvparams: {
      kvm: { kernel_path: '', acpi: true, boot_order: 'disk', vnc_bind_address: '0.0.0.0', serial_console: true },
      fake: { migration_mode: 'live' },
    },
    os_hvp: {},
    beparams: { default: { maxmem: 512, minmem: 512, vcpus: 1, always_failover: false, auto_balance: true, spindle_use: 1 } },
    osparams: {},
    ipolicy,
    nicparams: { default: { mode: 'bridged', link: 'br0', vlan: '' } },
    ndparams: {
      oob_program: '',
      spindle_count: 1,
      exclusive_storage: false,
      ovs: false,
      ovs_name: 'switch1',
      ovs_link: '',
      ssh_port: 22,
      cpu_speed: 1.0,
    },
    // Every disk template with Ganeti 3.0's defaults (constants DISK_DT_DEFAULTS).
    diskparams: {
      blockdev: {},
      diskless: {},
      drbd: {
        'c-delay-target': 1,
        'c-fill-target': 0,
        'c-max-rate': 61440,
        'c-min-rate': 4096,
        'c-plan-ahead': 20,
        'data-stripes': 1,
        'disk-barriers': 'n',
        'disk-custom': '',
        'dynamic-resync': false,
        'meta-barriers': false,
        'meta-stripes': 1,
        metavg: 'xenvg',
        'net-custom': '',
        protocol: 'C',
        'resync-rate': 61440,
      },
      ext: { access: 'kernelspace' },
      file: {},
      gluster: { access: 'kernelspace', host: '127.0.0.1', port: 24007, volume: 'gv0' },
      plain: { stripes: 1 },
      rbd: { access: 'kernelspace', pool: 'rbd' },
      sharedfile: {},
    },
    candidate_pool_size: 10,
    max_running_jobs: 20,
    max_tracked_jobs: 25,
    mac_prefix: 'aa:00:00',
    master_netdev: 'eth0',
    master_netmask: 32,
    use_external_mip_script: false,
    volume_group_name: 'xenvg',
    drbd_usermode_helper: '/bin/true',
    file_storage_dir: '/srv/ganeti/file-storage',
    shared_file_storage_dir: '/srv/ganeti/shared-file-storage',
    gluster_storage_dir: '/var/run/ganeti/gluster',
    maintain_node_health: false,
    ctime: 1700000000.25,
    mtime: 1735689600.5,
    uuid: '6d7d6c1b-5f0a-4a4e-9a59-0c6a3c0e6c01',
    tags: ['env:demo', 'owner:ops'],
    uid_pool: [],
    default_iallocator: 'hail',
    default_iallocator_params: {},
    reserved_lvs: [],
    primary_ip_version: 4,
    prealloc_wipe_disks: false,
    hidden_os: [],
    blacklisted_os: [],
    enabled_disk_templates: ['drbd', 'plain', 'diskless'],
    install_image: '',
    instance_communication_network: '',
    zeroing_image: '',
    compression_tools: ['gzip', 'gzip-fast', 'gzip-slow'],
    enabled_user_shutdown: false,
    // Data collector names as luxid spells them (DataCollectors.hs: dashes, not underscores).
    enabled_data_collectors: {
      'cpu-avg-load': true,
      diskstats: true,
      drbd: true,
      'inst-status-xen': true,
      lv: true,
      'xen-cpu-avg-load': true,
    },
    data_collector_interval: {
      'cpu-avg-load': 5000000,
      diskstats: 5000000,
      drbd: 5000000,
      'inst-status-xen': 5000000,
      lv: 5000000,
      'xen-cpu-avg-load': 5000000,
    },
    modify_ssh_setup: true,
    ssh_key_type: 'rsa',
    ssh_key_bits: 2048,
  };
}

/** Memory the node reports for itself (mnode), in MiB. */
const NODE_MEMORY_MIB = 1024;

function live(mtotal: number, mfree: number, dtotal: number, dfree: number, ctotal: number, boot: string): NodeLive {
  return {
    mtotal,
    mnode: NODE_MEMORY_MIB,
    mfree,
    dtotal,
    dfree,
    ctotal,
    cnos: 1,
    cnodes: 1,
    csockets: 1,
    sptotal: 2,
    spfree: 2,
    bootid: boot,
  };
}

function node(n: number, group: string, extra: Partial<NodeData>, liveData: NodeLive | null): NodeData {
  return {
    name: `node${n}.example.com`,
    uuid: `0e6f3a0c-0000-4000-8000-00000000000${n}`,
    group,
    primaryIp: `192.0.2.${10 + n}`,
    secondaryIp: `198.51.100.${10 + n}`,
    offline: false,
    drained: false,
    masterCandidate: n <= 3,
    masterCapable: true,
    vmCapable: true,
    ndparams: {},
    tags: [],
    ctime: 1700000100 + n + 0.5,
    mtime: 1735000000 + n + 0.25,
    serialNo: n,
    live: liveData,
    powered: true,
    pvAllocatable: true,
    ...extra,
  };
}

interface InstanceSpec {
  name: string;
  pnode: number;
  snode?: number;
  template: 'drbd' | 'plain' | 'diskless';
  memory: number;
  vcpus: number;
  disks: number[];
  state: 'up' | 'down';
  tags?: string[];
  net?: { network: string; ip: string };
}

function instance(i: number, s: InstanceSpec): InstanceData {
  const hex = i.toString(16).padStart(2, '0');
  return {
    name: s.name,
    uuid: `5a1e0000-1111-4222-8333-0000000000${hex}`,
    primaryNode: `node${s.pnode}.example.com`,
    secondaryNodes: s.snode === undefined ? [] : [`node${s.snode}.example.com`],
    os: 'debootstrap+default',
    hypervisor: 'kvm',
    adminState: s.state,
    adminStateSource: 'admin',
    disksActive: s.state === 'up' && s.template !== 'diskless',
    diskTemplate: s.template,
    disks: s.disks.map((size, d) => ({
      uuid: `d15c0000-2222-4333-8444-0000000${hex}0${d}`,
      name: null,
      size,
      spindles: s.template === 'diskless' ? null : 1,
    })),
    nics: [
      {
        uuid: `41c00000-3333-4444-8555-0000000000${hex}`,
        name: null,
        mac: `aa:00:00:00:00:${hex}`,
        ip: s.net?.ip ?? null,
        network: s.net?.network ?? null,
        mode: 'bridged',
        link: 'br0',
        vlan: '',
      },
    ],
    beparams: { maxmem: s.memory, minmem: s.memory, vcpus: s.vcpus },
    hvparams: {},
    osparams: {},
    networkPort: s.state === 'up' ? 11000 + i : null,
    forthcoming: false,
    running: s.state === 'up',
    tags: s.tags ?? [],
    ctime: 1710000000 + i * 100 + 0.125,
    mtime: 1736000000 + i * 100 + 0.75,
    serialNo: 3 + i,
  };
}

/**
 * A fresh copy of the built-in sample cluster: 2 node groups, 5 nodes (node5 offline,
 * node4 drained), 8 instances (drbd with secondaries, plain, diskless; running and
 * stopped; one named `café.example.com`), 2 networks, tags, 1 filter and exports on node2.
 */
export function sampleCluster(): ClusterData {
  const g1 = 'default';
  const g2 = 'rack2';
  // Free memory and disk add up with the instances below, as htools check (Loader.hs
  // updateMissing): mfree = mtotal - 4096 (htools count that much for a KVM node whatever
  // mnode says: setStaticKvmNodeMem) - memory of running primaries; dfree = dtotal -
  // disk_usage of primaries and secondaries (drbd adds 128 MiB of metadata per disk).
  const nodes: NodeData[] = [
    node(1, g1, { tags: ['role:master'] }, live(65536, 40960, 1048576, 524288, 16, 'b0a1')),
    node(2, g1, {}, live(65536, 55296, 1048576, 997120, 16, 'b0a2')),
    node(3, g1, { tags: ['rack:a'] }, live(32768, 20480, 524288, 10496, 8, 'b0a3')),
    node(4, g2, { drained: true, masterCandidate: false }, live(32768, 27648, 524288, 516096, 8, 'b0a4')),
    node(5, g2, { offline: true, masterCandidate: false, tags: ['broken'] }, null),
  ];
  const specs: InstanceSpec[] = [
    {
      name: 'web1.example.com',
      pnode: 1,
      snode: 2,
      template: 'drbd',
      memory: 2048,
      vcpus: 2,
      disks: [20480],
      state: 'up',
      tags: ['app:web'],
      net: { network: 'frontend', ip: '192.0.2.101' },
    },
    {
      name: 'web2.example.com',
      pnode: 2,
      snode: 1,
      template: 'drbd',
      memory: 2048,
      vcpus: 2,
      disks: [20480],
      state: 'up',
      tags: ['app:web'],
      net: { network: 'frontend', ip: '192.0.2.102' },
    },
    {
      name: 'db1.example.com',
      pnode: 3,
      snode: 1,
      template: 'drbd',
      memory: 8192,
      vcpus: 4,
      disks: [51200, 102400],
      state: 'up',
      tags: ['app:db'],
    },
    { name: 'cache1.example.com', pnode: 2, template: 'plain', memory: 4096, vcpus: 2, disks: [10240], state: 'up' },
    { name: 'build1.example.com', pnode: 3, template: 'plain', memory: 1024, vcpus: 1, disks: [30720], state: 'down', tags: ['app:ci'] },
    { name: 'pxe1.example.com', pnode: 1, template: 'diskless', memory: 18432, vcpus: 1, disks: [], state: 'up' },
    {
      name: 'café.example.com',
      pnode: 4,
      template: 'plain',
      memory: 1024,
      vcpus: 1,
      disks: [8192],
      state: 'up',
      net: { network: 'backend', ip: '10.20.0.10' },
    },
    { name: 'old1.example.com', pnode: 1, snode: 3, template: 'drbd', memory: 1024, vcpus: 1, disks: [10240, 318720], state: 'down' },
  ];
  return {
    info: clusterInfo(),
    groups: [
      {
        name: g1,
        uuid: '9c2a0f10-aaaa-4bbb-8ccc-000000000001',
        allocPolicy: 'preferred',
        ipolicy: {},
        ndparams: {},
        diskparams: {},
        networks: { frontend: { mode: 'bridged', link: 'br0' }, backend: { mode: 'bridged', link: 'br1' } },
        tags: ['dc:one'],
        ctime: 1700000050.5,
        mtime: 1730000000.5,
        serialNo: 4,
      },
      {
        name: g2,
        uuid: '9c2a0f10-aaaa-4bbb-8ccc-000000000002',
        allocPolicy: 'last_resort',
        ipolicy: { 'vcpu-ratio': 2.0 },
        ndparams: { spindle_count: 2 },
        diskparams: {},
        networks: { backend: { mode: 'bridged', link: 'br1' } },
        tags: [],
        ctime: 1700000060.5,
        mtime: 1730000001.5,
        serialNo: 2,
      },
    ],
    nodes,
    instances: specs.map((s, i) => instance(i + 1, s)),
    networks: [
      {
        name: 'frontend',
        uuid: 'ae700000-4444-4555-8666-000000000001',
        network: '192.0.2.96/27',
        gateway: '192.0.2.97',
        network6: '2001:db8:1::/64',
        gateway6: '2001:db8:1::1',
        macPrefix: 'aa:00:01',
        externalReservations: ['192.0.2.98'],
        tags: ['public'],
        ctime: 1700001000.5,
        mtime: 1700002000.5,
        serialNo: 3,
      },
      {
        name: 'backend',
        uuid: 'ae700000-4444-4555-8666-000000000002',
        network: '10.20.0.0/28',
        gateway: null,
        network6: null,
        gateway6: null,
        macPrefix: null,
        externalReservations: [],
        tags: [],
        ctime: 1700001100.5,
        mtime: 1700002100.5,
        serialNo: 1,
      },
    ],
    filters: [
      {
        uuid: 'f1170000-5555-4666-8777-000000000001',
        watermark: 0,
        priority: 10,
        predicates: [['jobid', ['>', 'id', 1000]]],
        action: 'CONTINUE',
        reasonTrail: [['gnt:cli', 'demo filter', 1700000000000000000n]],
      },
    ],
    exports: { 'node2.example.com': ['web1.example.com', 'cache1.example.com'] },
    watcherPause: null,
  };
}
