/**
 * Demo executors for the network opcodes, as Ganeti 3.0's lib/cmdlib/network.py LUs
 * behave: add, remove, set-params, connect and disconnect. The address pool follows
 * lib/network.py AddressPool: the network and broadcast addresses and the gateway are
 * always reserved; `NetworkData.externalReservations` holds the other external ones.
 */
import { randomUUID } from 'node:crypto';
import { AddressPoolError, ConfigurationError, OpExecError, OpPrereqError } from '../../errors.js';
import type { GroupData, InstanceData, NetworkData } from '../cluster.js';
import { ECODE, findNetwork, touch, findGroup } from './common.js';
import { validateTag } from './cluster-tags.js';
import type { OpContext, OpExecutors, OpInput } from './context.js';
import { commaJoin, info, niceSort, param, warn, groupInstances } from './lu-support.js';

function ipToInt(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** lib/network.py AddressPool over a NetworkData, for external reservations. */
class Pool {
  readonly base: number;
  readonly size: number;
  readonly text: string;
  constructor(
    readonly net: NetworkData,
    readonly instances: readonly InstanceData[],
  ) {
    const [addr, bits] = net.network.split('/');
    const prefix = Number(bits ?? 32);
    const size = 2 ** (32 - prefix);
    if (prefix < 16) {
      throw new AddressPoolError(`A big network with ${size} host(s) is currently not supported. please specify at most a /16 network`);
    }
    if (prefix > 30) {
      throw new AddressPoolError(`A network with only ${size} host(s) is too small, please specify at least a /30 network`);
    }
    this.size = size;
    this.base = (ipToInt(addr ?? '') ?? 0) - ((ipToInt(addr ?? '') ?? 0) % size);
    this.text = `${intToIp(this.base)}/${prefix}`;
  }
  contains(ip: unknown): boolean {
    const v = typeof ip === 'string' ? ipToInt(ip) : null;
    return v !== null && v >= this.base && v < this.base + this.size;
  }
  #index(ip: string): number {
    const v = ipToInt(ip);
    if (v === null || !this.contains(ip)) throw new AddressPoolError(`${this.text} does not contain ${ip}`);
    return v - this.base;
  }
  /** Reserved by an instance NIC (AddressPool `reservations`). */
  isReserved(ip: string): boolean {
    this.#index(ip);
    return this.instances.some((i) => i.nics.some((n) => n.network === this.net.name && n.ip === ip));
  }
  isExternal(ip: string): boolean {
    const idx = this.#index(ip);
    return idx === 0 || idx === this.size - 1 || ip === this.net.gateway || this.net.externalReservations.includes(ip);
  }
  /** Refuses what `Reserve(ip, external=True)` refuses. */
  checkReservable(ip: string): void {
    if (this.isExternal(ip)) throw new AddressPoolError(`IP ${ip} is already externally reserved`);
  }
  reserveExternal(ip: string): void {
    this.checkReservable(ip);
    this.net.externalReservations.push(ip);
  }
  releaseExternal(ip: string): void {
    if (!this.isExternal(ip)) throw new AddressPoolError(`IP ${ip} is not externally reserved`);
    const i = this.net.externalReservations.indexOf(ip);
    // The network and broadcast addresses stay reserved in the demo's model.
    if (i < 0) throw new AddressPoolError(`IP ${ip} is not externally reserved`);
    this.net.externalReservations.splice(i, 1);
  }
}

/** utils.NormalizeAndValidateThreeOctetMacPrefix. */
function macPrefix(mac: string): string {
  if (/^[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/i.test(mac)) return mac.toLowerCase();
  throw new OpPrereqError(`Invalid MAC address prefix '${mac}'`, ECODE.inval);
}

function poolOf(ctx: OpContext, net: NetworkData): Pool {
  return new Pool(net, ctx.cluster.instances);
}

/** LUNetworkAdd. */
function networkAdd(op: OpInput, ctx: OpContext): null {
  const c = ctx.cluster;
  const mac = param(op, 'mac_prefix') ? macPrefix(String(op['mac_prefix'])) : null;
  const name = String(op['network_name']);
  const existing = c.networks.find((n) => n.uuid === name || n.name === name);
  if (existing) {
    throw new OpPrereqError(`Desired network name '${name}' already exists as a network (UUID: ${existing.uuid})`, ECODE.exists);
  }
  const tags = Array.isArray(op['tags']) ? (op['tags'] as unknown[]) : [];
  for (const t of tags) validateTag(t);
  if (ctx.dryRun) return null;
  const now = ctx.now();
  const net: NetworkData = {
    name,
    uuid: randomUUID(),
    network: String(op['network']),
    gateway: (param(op, 'gateway') as string | null) ?? null,
    network6: (param(op, 'network6') as string | null) ?? null,
    gateway6: (param(op, 'gateway6') as string | null) ?? null,
    macPrefix: mac,
    externalReservations: [],
    tags: [],
    ctime: now,
    mtime: now,
    serialNo: 1,
  };
  let pool: Pool;
  try {
    const gateway = net.gateway;
    net.gateway = null;
    pool = poolOf(ctx, net);
    net.network = pool.text;
    if (gateway !== null) {
      pool.checkReservable(gateway);
      net.gateway = gateway;
    }
  } catch (err) {
    if (err instanceof AddressPoolError) throw new OpExecError(`Cannot create IP address pool for network '${name}': ${err.message}`);
    throw err;
  }
  if (op['conflicts_check'] !== false) {
    for (const node of c.nodes) {
      for (const ip of [node.primaryIp, node.secondaryIp]) {
        if (!pool.contains(ip)) continue;
        try {
          pool.reserveExternal(ip);
          info(ctx, `Reserved IP address of node '${node.name}' (${ip})`);
        } catch (err) {
          if (!(err instanceof AddressPoolError)) throw err;
          warn(ctx, `Cannot reserve IP address '${ip}' of node '${node.name}': ${err.message}`);
        }
      }
    }
    const masterIp = c.info['master_ip'];
    if (typeof masterIp === 'string' && pool.contains(masterIp)) {
      try {
        pool.reserveExternal(masterIp);
        info(ctx, `Reserved cluster master IP address (${masterIp})`);
      } catch (err) {
        if (!(err instanceof AddressPoolError)) throw err;
        warn(ctx, `Cannot reserve cluster master IP address (${masterIp}): ${err.message}`);
      }
    }
  }
  for (const ip of (param(op, 'add_reserved_ips') ?? []) as string[]) {
    try {
      pool.reserveExternal(ip);
    } catch (err) {
      if (err instanceof AddressPoolError) throw new OpExecError(`Cannot reserve IP address '${ip}': ${err.message}`);
      throw err;
    }
  }
  for (const t of tags) if (!net.tags.includes(String(t))) net.tags.push(String(t));
  c.networks.push(net);
  return null;
}

/** LUNetworkRemove: refuses while any group is connected. */
function networkRemove(op: OpInput, ctx: OpContext): null {
  const net = findNetwork(ctx, op['network_name']);
  const groups = ctx.cluster.groups.filter((g) => net.name in g.networks).map((g) => g.name);
  if (groups.length > 0) {
    warn(ctx, `Network '${String(op['network_name'])}' is connected to the following node groups: ${commaJoin(niceSort(groups))}`);
    throw new OpPrereqError('Network still connected', ECODE.state);
  }
  if (ctx.dryRun) return null;
  ctx.cluster.networks.splice(ctx.cluster.networks.indexOf(net), 1);
  return null;
}

/** LUNetworkSetParams ("none" unsets gateway, network6, gateway6 and mac_prefix). */
function networkSetParams(op: OpInput, ctx: OpContext): null {
  const addIps = (param(op, 'add_reserved_ips') ?? []) as string[];
  const removeIps = (param(op, 'remove_reserved_ips') ?? []) as string[];
  const opGateway = param(op, 'gateway') as string | null;
  if (opGateway && (addIps.length > 0 || removeIps.length > 0)) {
    throw new OpPrereqError('Cannot modify gateway and reserved ips at once', ECODE.inval);
  }
  const net = findNetwork(ctx, op['network_name']);
  const pool = poolOf(ctx, net);
  const unset = (v: unknown, old: string | null) => (v ? (v === 'none' ? null : String(v)) : old);
  const gateway = unset(opGateway, net.gateway);
  if (opGateway && gateway !== null && pool.isReserved(gateway)) {
    throw new OpPrereqError(`Gateway IP address '${gateway}' is already reserved`, ECODE.state);
  }
  const opMac = param(op, 'mac_prefix');
  const mac = opMac ? (opMac === 'none' ? null : macPrefix(String(opMac))) : net.macPrefix;
  const gateway6 = unset(param(op, 'gateway6'), net.gateway6);
  const network6 = unset(param(op, 'network6'), net.network6);
  if (ctx.dryRun) return null;
  if (opGateway) {
    if (gateway === net.gateway) warn(ctx, `Gateway is already ${String(gateway)}`);
    else {
      if (gateway !== null) pool.checkReservable(gateway);
      net.gateway = gateway;
    }
  }
  for (const ip of addIps) {
    try {
      pool.reserveExternal(ip);
    } catch (err) {
      if (!(err instanceof AddressPoolError)) throw err;
      warn(ctx, `Cannot reserve IP address ${ip}: ${err.message}`);
    }
  }
  for (const ip of removeIps) {
    if (ip === net.gateway) {
      warn(ctx, "Cannot unreserve Gateway's IP");
      continue;
    }
    try {
      pool.releaseExternal(ip);
    } catch (err) {
      if (!(err instanceof AddressPoolError)) throw err;
      warn(ctx, `Cannot release IP address ${ip}: ${err.message}`);
    }
  }
  if (opMac) net.macPrefix = mac;
  if (param(op, 'network6')) net.network6 = network6;
  if (param(op, 'gateway6')) net.gateway6 = gateway6;
  touch(net, ctx);
  return null;
}

/** network.py _NetworkConflictCheck. */
function conflictCheck(
  ctx: OpContext,
  netName: string,
  group: GroupData,
  action: string,
  check: (nic: InstanceData['nics'][number]) => boolean,
): void {
  const conflicts: string[] = [];
  for (const inst of groupInstances(ctx, group)) {
    const hits = inst.nics.flatMap((nic, idx) => (check(nic) ? [`nic${idx}/${String(nic.ip)}`] : []));
    if (hits.length > 0) conflicts.push(`${inst.name}: ${hits.join(', ')}`);
  }
  if (conflicts.length > 0) {
    warn(
      ctx,
      `IP addresses from network '${netName}', which is about to ${action} node group '${group.name}', are in use: ${conflicts.join(', ')}`,
    );
    throw new OpPrereqError('Conflicting IP addresses found;  remove/modify the corresponding network interfaces', ECODE.state);
  }
}

const NIC_MODES = ['bridged', 'routed', 'openvswitch', 'pool'];

/** LUNetworkConnect: records mode, link and vlan on the group. */
function networkConnect(op: OpInput, ctx: OpContext): null {
  const netName = String(op['network_name']);
  const net = findNetwork(ctx, netName);
  const group = findGroup(ctx, op['group_name']);
  const mode = String(op['network_mode']);
  const link = String(op['network_link']);
  const vlan = String(op['network_vlan'] ?? '');
  if (!NIC_MODES.includes(mode) && mode !== 'auto') throw new ConfigurationError(`Invalid NIC mode '${mode}'`);
  if (mode === 'bridged' && !link) throw new ConfigurationError('Missing bridged NIC link');
  let connected = false;
  if (net.name in group.networks) {
    warn(ctx, `Network '${netName}' is already mapped to group '${group.name}'`);
    connected = true;
  } else if (op['conflicts_check'] !== false) {
    const pool = poolOf(ctx, net);
    conflictCheck(ctx, netName, group, 'connect to', (nic) => pool.contains(nic.ip));
  }
  if (ctx.dryRun || connected) return null;
  group.networks[net.name] = { mode, link, vlan };
  touch(group, ctx);
  return null;
}

/** LUNetworkDisconnect: refuses while NICs of the group's instances use the network. */
function networkDisconnect(op: OpInput, ctx: OpContext): null {
  const netName = String(op['network_name']);
  const net = findNetwork(ctx, netName);
  const group = findGroup(ctx, op['group_name']);
  if (!(net.name in group.networks)) {
    warn(ctx, `Network '${netName}' is not mapped to group '${group.name}'`);
    return null;
  }
  conflictCheck(ctx, netName, group, 'disconnect from', (nic) => nic.network === net.name);
  if (ctx.dryRun) return null;
  delete group.networks[net.name];
  touch(group, ctx);
  return null;
}

/** The network executors by OP_ID. */
export const NETWORK_OPS: OpExecutors = {
  OP_NETWORK_ADD: networkAdd,
  OP_NETWORK_REMOVE: networkRemove,
  OP_NETWORK_SET_PARAMS: networkSetParams,
  OP_NETWORK_CONNECT: networkConnect,
  OP_NETWORK_DISCONNECT: networkDisconnect,
};
