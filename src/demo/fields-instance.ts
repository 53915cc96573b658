/**
 * Instance query fields of the demo luxid (Ganeti 3.0 `Query/Instance.hs`): config fields,
 * merged parameters, per-disk and per-NIC indexed fields, aliases, and the live fields
 * (status, oper_state, oper_ram, ...) computed from `InstanceData.running`.
 */
import type { FieldKind, QueryCell } from '../protocols/luxi/types.js';
import type { InstanceData, NicData } from './cluster.js';
import { NODATA, OFFLINE, UNAVAIL, commonFields, field, maybeUnavail, ok, ordinal, type FieldSpec, type QueryContext } from './fields.js';

/** DRBD metadata per disk, in MiB (Constants.hs `drbdMetaSize`). */
const DRBD_META_MIB = 128;
/** Ganeti's `maxDisks` and `maxNics`. */
const MAX_DISKS = 16;
const MAX_NICS = 8;

function beParams(i: InstanceData, c: QueryContext): Record<string, unknown> {
  const cl = c.cluster.info['beparams'] as Record<string, Record<string, unknown>> | undefined;
  return { ...cl?.['default'], ...i.beparams };
}

/** Hypervisor parameters that are the cluster's, not an instance's (Constants.hs `hvcGlobals`). */
const HV_GLOBALS: readonly string[] = ['migration_bandwidth', 'migration_mode', 'migration_port', 'xen_cmd'];

/** The instance's hypervisor parameters filled from the cluster's, globals left out (`getFilledInstHvParams`). */
function hvParams(i: InstanceData, c: QueryContext): Record<string, unknown> {
  const cl = c.cluster.info['hvparams'] as Record<string, Record<string, unknown>> | undefined;
  const filled: Record<string, unknown> = { ...cl?.[i.hypervisor], ...i.hvparams };
  for (const g of HV_GLOBALS) delete filled[g];
  return filled;
}

/** Node offline => the live RPC fails with RS_OFFLINE. */
function pnodeOffline(i: InstanceData, c: QueryContext): boolean {
  return c.nodes.get(i.primaryNode)?.offline ?? false;
}

/** Instance status as Ganeti computes it (`statusExtract`). */
export function instanceStatus(i: InstanceData, c: QueryContext): string {
  if (pnodeOffline(i, c)) return 'ERROR_nodeoffline';
  if (i.adminState === 'offline') return i.running ? 'ERROR_up' : 'ADMIN_offline';
  if (i.running) return i.adminState === 'up' ? 'running' : 'ERROR_up';
  return i.adminState === 'up' ? 'ERROR_down' : 'ADMIN_down';
}

function diskUsage(i: InstanceData): number {
  if (i.diskTemplate === 'diskless') return 0;
  const meta = i.diskTemplate === 'drbd' ? DRBD_META_MIB : 0;
  return i.disks.reduce((sum, d) => sum + d.size + meta, 0);
}

function live(get: (i: InstanceData, c: QueryContext) => unknown) {
  return (i: InstanceData, c: QueryContext): QueryCell => {
    if (pnodeOffline(i, c)) return OFFLINE;
    if (!i.running) return UNAVAIL;
    return ok(get(i, c));
  };
}

/**
 * Every hypervisor parameter luxid offers as an `hv/<name>` instance field (the parameters of
 * all hypervisors): name, kind and, where it is not `hv/<name>`, the title, as the real
 * Ganeti 3.0.2 luxid answers QueryFields("instance").
 */
const HV_PARAMS: Array<[string, FieldKind, string?]> = [
  ['acpi', 'bool', 'ACPI'],
  ['blockdev_prefix', 'other'],
  ['boot_order', 'other', 'Boot_order'],
  ['bootloader_args', 'other'],
  ['bootloader_path', 'other'],
  ['cdrom2_image_path', 'other'],
  ['cdrom_disk_type', 'other'],
  ['cdrom_image_path', 'other', 'CDROM_image_path'],
  ['cpu_cap', 'number'],
  ['cpu_cores', 'number'],
  ['cpu_mask', 'other'],
  ['cpu_sockets', 'number'],
  ['cpu_threads', 'number'],
  ['cpu_type', 'other', 'cpu_type'],
  ['cpu_weight', 'number'],
  ['cpuid', 'other'],
  ['device_model', 'other'],
  ['devices', 'other'],
  ['disk_aio', 'other'],
  ['disk_cache', 'other'],
  ['disk_discard', 'other'],
  ['disk_type', 'other', 'Disk_type'],
  ['drop_capabilities', 'other'],
  ['extra_cgroups', 'other'],
  ['extra_config', 'other'],
  ['floppy_image_path', 'other'],
  ['init_script', 'other'],
  ['initrd_path', 'other', 'Initrd_path'],
  ['kernel_args', 'other'],
  ['kernel_path', 'other', 'Kernel_path'],
  ['keymap', 'other'],
  ['kvm_extra', 'other'],
  ['kvm_flag', 'other'],
  ['kvm_path', 'other'],
  ['kvm_pci_reservations', 'number'],
  ['machine_version', 'other'],
  ['mem_path', 'other'],
  ['migration_caps', 'other'],
  ['migration_downtime', 'number'],
  ['nic_type', 'other', 'NIC_type'],
  ['num_ttys', 'number'],
  ['pae', 'bool', 'PAE'],
  ['pci_pass', 'other', 'pci_pass'],
  ['reboot_behavior', 'other'],
  ['root_path', 'other'],
  ['scsi_controller_type', 'other'],
  ['security_domain', 'other'],
  ['security_model', 'other'],
  ['serial_console', 'bool'],
  ['serial_speed', 'number'],
  ['soundhw', 'other'],
  ['spice_bind', 'other'],
  ['spice_image_compression', 'other'],
  ['spice_ip_version', 'number'],
  ['spice_jpeg_wan_compression', 'other'],
  ['spice_password_file', 'other'],
  ['spice_playback_compression', 'bool'],
  ['spice_streaming_video', 'other'],
  ['spice_tls_ciphers', 'other'],
  ['spice_use_tls', 'bool'],
  ['spice_use_vdagent', 'bool'],
  ['spice_zlib_glz_wan_compression', 'other'],
  ['startup_timeout', 'number'],
  ['usb_devices', 'other'],
  ['usb_mouse', 'other'],
  ['use_bootloader', 'bool'],
  ['use_chroot', 'bool'],
  ['use_guest_agent', 'bool'],
  ['use_localtime', 'bool'],
  ['user_shutdown', 'bool'],
  ['vga', 'other'],
  ['vhost_net', 'bool'],
  ['vif_script', 'other'],
  ['vif_type', 'other'],
  ['viridian', 'bool'],
  ['virtio_net_queues', 'number'],
  ['vnc_bind_address', 'other', 'VNC_bind_address'],
  ['vnc_password_file', 'other'],
  ['vnc_tls', 'bool'],
  ['vnc_x509_path', 'other'],
  ['vnc_x509_verify', 'bool'],
  ['vnet_hdr', 'bool'],
];

const BE_PARAMS: Array<[string, FieldKind, string | null]> = [
  ['always_failover', 'bool', null],
  ['auto_balance', 'bool', 'Auto_balance'],
  ['maxmem', 'unit', 'ConfigMaxMem'],
  ['minmem', 'unit', 'ConfigMinMem'],
  ['spindle_use', 'number', null],
  ['vcpus', 'number', 'ConfigVCPUs'],
];

const netUuid = (nic: NicData, c: QueryContext) => (nic.network === null ? null : (c.networks.get(nic.network)?.uuid ?? null));
const bridge = (nic: NicData) => (nic.mode === 'bridged' ? nic.link : null);
const vlan = (nic: NicData) => (nic.mode === 'openvswitch' ? nic.vlan : null);

const NIC_DESC = "List containing each network interface's ";

/** Per-NIC indexed fields: [name, title, getter, optional (null => unavailable)]. */
const NIC_INDEXED: Array<[string, string, string, (n: NicData, c: QueryContext) => unknown]> = [
  ['nic.ip', 'NicIP', 'IP address', (n) => n.ip],
  ['nic.uuid', 'NicUUID', 'UUID address', (n) => n.uuid],
  ['nic.mac', 'NicMAC', 'MAC address', (n) => n.mac],
  ['nic.name', 'NicName', 'Name address', (n) => n.name],
  ['nic.network', 'NicNetwork', 'Network', (n, c) => netUuid(n, c)],
  ['nic.mode', 'NicMode', 'Mode', (n) => n.mode],
  ['nic.link', 'NicLink', 'Link', (n) => n.link],
  ['nic.vlan', 'NicVLAN', 'VLAN', (n) => vlan(n)],
  ['nic.network.name', 'NicNetworkName', 'Network name', (n) => n.network],
  ['nic.bridge', 'NicBridge', 'Bridge', (n) => bridge(n)],
];

function indexed(): FieldSpec<InstanceData>[] {
  const out: FieldSpec<InstanceData>[] = [];
  for (let k = 0; k < MAX_DISKS; k++) {
    const nth = ordinal(k + 1);
    const disk = (i: InstanceData) => i.disks[k];
    out.push(
      field(`disk.size/${k}`, `Disk/${k}`, 'unit', `Disk size of ${nth} disk`, (i) => {
        const d = disk(i);
        return d ? ok(d.size) : UNAVAIL;
      }),
      field(`disk.spindles/${k}`, `DiskSpindles/${k}`, 'number', `Spindles of ${nth} disk`, (i) => maybeUnavail(disk(i)?.spindles)),
      field(`disk.name/${k}`, `DiskName/${k}`, 'text', `Name of ${nth} disk`, (i) => maybeUnavail(disk(i)?.name)),
      field(`disk.uuid/${k}`, `DiskUUID/${k}`, 'text', `UUID of ${nth} disk`, (i) => maybeUnavail(disk(i)?.uuid)),
    );
  }
  for (let k = 0; k < MAX_NICS; k++) {
    const nth = ordinal(k + 1);
    for (const [name, title, doc, get] of NIC_INDEXED) {
      out.push(
        field(`${name}/${k}`, `${title}/${k}`, 'text', `${doc} of ${nth} network interface`, (i, c) => {
          const nic = i.nics[k];
          return nic ? maybeUnavail(get(nic, c)) : UNAVAIL;
        }),
      );
    }
  }
  return out;
}

/** The status doc as Ganeti 3.0.2 words it (no USER_down sentence, though the status exists). */
const STATUS_DOC =
  'Instance status; "running" if instance is set to be running and actually is, "ADMIN_down" if instance is stopped' +
  ' and is not running, "ERROR_wrongnode" if instance running, but not on its designated primary node, "ERROR_up"' +
  ' if instance should be stopped, but is actually running, "ERROR_down" if instance should run, but doesn\'t,' +
  ' "ERROR_nodedown" if instance\'s primary node is down, "ERROR_nodeoffline" if instance\'s primary node is marked' +
  ' offline, "ADMIN_offline" if instance is offline and does not use dynamic resources';

const FIELDS: FieldSpec<InstanceData>[] = [
  field('admin_state', 'InstanceState', 'text', 'Desired state of instance', (i) => ok(i.adminState)),
  field('admin_state_source', 'InstanceStateSource', 'text', 'Who last changed the desired state of the instance', (i) =>
    ok(i.adminStateSource),
  ),
  field('admin_up', 'Autostart', 'bool', 'Desired state of instance', (i) => ok(i.adminState === 'up')),
  field('disks_active', 'DisksActive', 'bool', 'Desired state of instance disks', (i) => ok(i.disksActive)),
  field('name', 'Instance', 'text', 'Instance name', (i) => ok(i.name), 'hostname'),
  field('hypervisor', 'Hypervisor', 'text', 'Hypervisor name', (i) => ok(i.hypervisor)),
  field('network_port', 'Network_port', 'other', 'Instance network port if available (e.g. for VNC console)', (i) =>
    maybeUnavail(i.networkPort),
  ),
  field('os', 'OS', 'text', 'Operating system', (i) => ok(i.os)),
  field('pnode', 'Primary_node', 'text', 'Primary node', (i) => ok(i.primaryNode), 'hostname'),
  field('pnode.group', 'PrimaryNodeGroup', 'text', "Primary node's group", (i, c) => {
    const n = c.nodes.get(i.primaryNode);
    return n ? ok(n.group) : NODATA;
  }),
  field('pnode.group.uuid', 'PrimaryNodeGroupUUID', 'text', "Primary node's group UUID", (i, c) => {
    const g = c.groups.get(c.nodes.get(i.primaryNode)?.group ?? '');
    return g ? ok(g.uuid) : NODATA;
  }),
  field('snodes', 'Secondary_Nodes', 'other', 'Secondary nodes; usually this will just be one node', (i) => ok([...i.secondaryNodes])),
  field('snodes.group', 'SecondaryNodesGroups', 'other', 'Node groups of secondary nodes', (i, c) =>
    ok(i.secondaryNodes.map((s) => c.nodes.get(s)?.group ?? null)),
  ),
  field('snodes.group.uuid', 'SecondaryNodesGroupsUUID', 'other', 'Node group UUIDs of secondary nodes', (i, c) =>
    ok(i.secondaryNodes.map((s) => c.groups.get(c.nodes.get(s)?.group ?? '')?.uuid ?? null)),
  ),
  field('hvparams', 'HypervisorParameters', 'other', 'Hypervisor parameters (merged)', (i, c) => ok(hvParams(i, c))),
  field('beparams', 'BackendParameters', 'other', 'Backend parameters (merged)', (i, c) => ok(beParams(i, c))),
  field('osparams', 'OpSysParameters', 'other', 'Operating system parameters (merged)', (i) => ok({ ...i.osparams })),
  field('custom_hvparams', 'CustomHypervisorParameters', 'other', 'Custom hypervisor parameters', (i) => ok({ ...i.hvparams })),
  field('custom_beparams', 'CustomBackendParameters', 'other', 'Custom backend parameters', (i) => ok({ ...i.beparams })),
  field('custom_osparams', 'CustomOpSysParameters', 'other', 'Custom operating system parameters', (i) => ok({ ...i.osparams })),
  field('custom_nicparams', 'CustomNicParameters', 'other', 'Custom network interface parameters', (i) =>
    ok(i.nics.map((n) => ({ mode: n.mode, link: n.link, vlan: n.vlan }))),
  ),
  // A parameter the instance's hypervisor does not have, or a global one, is unavailable
  // (Query/Instance.hs hvParamGetter: rsMaybeUnavail).
  ...HV_PARAMS.map(([p, kind, title]) =>
    field<InstanceData>(`hv/${p}`, title ?? `hv/${p}`, kind, `The "${p}" hypervisor parameter`, (i, c) => {
      const v = hvParams(i, c)[p];
      return v === undefined ? UNAVAIL : ok(v);
    }),
  ),
  ...BE_PARAMS.map(([p, kind, title]) =>
    field<InstanceData>(`be/${p}`, title ?? `be/${p}`, kind, `The "${p}" backend parameter`, (i, c) => {
      const v = beParams(i, c)[p];
      return v === undefined ? NODATA : ok(v);
    }),
  ),
  field(
    'disk_usage',
    'DiskUsage',
    'unit',
    'Total disk space used by instance on each of its nodes; this is not the disk size visible to the instance, but' +
      ' the usage on the node',
    (i) => ok(diskUsage(i)),
  ),
  field('disk.count', 'Disks', 'number', 'Number of disks', (i) => ok(i.disks.length)),
  field('disk.sizes', 'Disk_sizes', 'other', 'List of disk sizes', (i) => ok(i.disks.map((d) => d.size))),
  field('disk.spindles', 'Disk_spindles', 'other', 'List of disk spindles', (i) => ok(i.disks.map((d) => d.spindles))),
  field('disk.names', 'Disk_names', 'other', 'List of disk names', (i) => ok(i.disks.map((d) => d.name))),
  field('disk.uuids', 'Disk_UUIDs', 'other', 'List of disk UUIDs', (i) => ok(i.disks.map((d) => d.uuid))),
  field('disk_template', 'Disk_template', 'text', 'Instance disk template', (i) => ok(i.diskTemplate)),
  field('nic.count', 'NICs', 'number', 'Number of network interfaces', (i) => ok(i.nics.length)),
  field('nic.macs', 'NIC_MACs', 'other', `${NIC_DESC}MAC address`, (i) => ok(i.nics.map((n) => n.mac))),
  field('nic.ips', 'NIC_IPs', 'other', `${NIC_DESC}IP address`, (i) => ok(i.nics.map((n) => n.ip))),
  field('nic.names', 'NIC_Names', 'other', `${NIC_DESC}name`, (i) => ok(i.nics.map((n) => n.name))),
  field('nic.uuids', 'NIC_UUIDs', 'other', `${NIC_DESC}UUID`, (i) => ok(i.nics.map((n) => n.uuid))),
  field('nic.modes', 'NIC_modes', 'other', `${NIC_DESC}mode`, (i) => ok(i.nics.map((n) => n.mode))),
  field('nic.vlans', 'NIC_VLANs', 'other', `${NIC_DESC}VLAN`, (i) => ok(i.nics.map(vlan))),
  field('nic.bridges', 'NIC_bridges', 'other', `${NIC_DESC}bridge`, (i) => ok(i.nics.map(bridge))),
  field('nic.links', 'NIC_links', 'other', `${NIC_DESC}link`, (i) => ok(i.nics.map((n) => n.link))),
  field('nic.networks', 'NIC_networks', 'other', "List containing each interface's network", (i, c) =>
    ok(i.nics.map((n) => netUuid(n, c))),
  ),
  field('nic.networks.names', 'NIC_networks_names', 'other', "List containing the name of each interface's network", (i) =>
    ok(i.nics.map((n) => n.network)),
  ),
  ...indexed(),
  field('status', 'Status', 'text', STATUS_DOC, (i, c) => ok(instanceStatus(i, c))),
  field('oper_state', 'Running', 'bool', 'Actual state of instance', (i, c) => (pnodeOffline(i, c) ? OFFLINE : ok(i.running))),
  field(
    'console',
    'Console',
    'other',
    'Instance console information',
    live((i, c) => ({
      instance: i.name,
      kind: 'vnc',
      message: null,
      host: c.nodes.get(i.primaryNode)?.primaryIp ?? null,
      port: i.networkPort,
      user: null,
      command: null,
      display: i.networkPort === null ? null : i.networkPort - 5900,
    })),
  ),
  field(
    'oper_ram',
    'Memory',
    'unit',
    'Actual memory usage as seen by hypervisor',
    live((i, c) => beParams(i, c)['maxmem']),
  ),
  field(
    'oper_vcpus',
    'VCPUs',
    'number',
    'Actual number of VCPUs as seen by hypervisor',
    live((i, c) => beParams(i, c)['vcpus']),
  ),
  ...commonFields<InstanceData>('Instance'),
  field('forthcoming', 'Forthcoming', 'bool', 'whether the Instance is forthcoming', (i) => ok(i.forthcoming)),
];

/** Ganeti's instance aliases: alias -> field (`instanceAliases`). */
const ALIASES: Array<[string, string]> = [
  ['vcpus', 'be/vcpus'],
  ['be/memory', 'be/maxmem'],
  ['sda_size', 'disk.size/0'],
  ['sdb_size', 'disk.size/1'],
  ['ip', 'nic.ip/0'],
  ['mac', 'nic.mac/0'],
  ['bridge', 'nic.bridge/0'],
  ['nic_mode', 'nic.mode/0'],
  ['nic_link', 'nic.link/0'],
  ['nic_network', 'nic.network/0'],
];

/** All instance fields, aliases included. */
export const INSTANCE_FIELDS: FieldSpec<InstanceData>[] = [
  ...FIELDS,
  ...ALIASES.flatMap(([alias, target]) => {
    const t = FIELDS.find((f) => f.def.name === target);
    return t ? [{ ...t, def: { ...t.def, name: alias } }] : [];
  }),
];
