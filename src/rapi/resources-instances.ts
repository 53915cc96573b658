/**
 * The instance resources of rlib2: `/2/instances`, `/2/instances-multi-alloc` and
 * `/2/instances/[instance_name]/...` (info, tags, reboot, reinstall, replace-disks,
 * shutdown, startup, disks, export, migrate, failover, rename, modify, grow, console).
 */
import { badRequest, internalError, serviceUnavailable } from './http-error.js';
import { fillOpcode, makeOpcode } from './opcode-fill.js';
import { pyTypeName } from './python-format.js';
import { checkParameter, checkType, type RapiRequest } from './request.js';
import {
  READ_OR_WRITE,
  buildUriList,
  firstColumn,
  mapBulkFields,
  mapFields,
  opcodeMethod,
  pyTruthy,
  read,
  tagResource,
  write,
  type OpInput,
  type ResourceSpec,
} from './resource.js';

const COMMON_FIELDS = ['ctime', 'mtime', 'uuid', 'serial_no', 'tags'] as const;

/** rlib2 `I_FIELDS`: the fields of an instance record. */
export const I_FIELDS = [
  'name',
  'admin_state',
  'os',
  'pnode',
  'snodes',
  'disk_template',
  'nic.ips',
  'nic.macs',
  'nic.modes',
  'nic.uuids',
  'nic.names',
  'nic.links',
  'nic.networks',
  'nic.networks.names',
  'nic.bridges',
  'network_port',
  'disk.sizes',
  'disk.spindles',
  'disk_usage',
  'disk.uuids',
  'disk.names',
  'beparams',
  'hvparams',
  'oper_state',
  'oper_ram',
  'oper_vcpus',
  'status',
  'custom_hvparams',
  'custom_beparams',
  'custom_nicparams',
  ...COMMON_FIELDS,
] as const;

/** rlib2 `_REQ_DATA_VERSION`: the body key naming the request format. */
const REQ_DATA_VERSION = '__version__';

/** rlib2 `_UpdateBeparams`: `beparams.memory` mirrors `maxmem` (compatibility field). */
function updateBeparams(inst: Record<string, unknown>): Record<string, unknown> {
  const be = inst['beparams'];
  if (be !== null && typeof be === 'object' && !Array.isArray(be)) {
    (be as Record<string, unknown>)['memory'] = (be as Record<string, unknown>)['maxmem'];
  }
  return inst;
}

/** rlib2 `_ConvertUsbDevices`: spaces in `hvparams.usb_devices` become commas. */
function convertUsbDevices(data: Record<string, unknown>): void {
  const hv = data['hvparams'];
  if (hv === null || typeof hv !== 'object' || Array.isArray(hv)) return;
  const usb = (hv as Record<string, unknown>)['usb_devices'];
  if (typeof usb === 'string') data['hvparams'] = { ...(hv as object), usb_devices: usb.replaceAll(' ', ',') };
}

function createInput(req: RapiRequest): OpInput {
  checkType(req.body, 'dict', 'Body contents');
  const version = req.bodyParam(REQ_DATA_VERSION, 0);
  if (version === 0 || version === false) throw badRequest('Instance creation request version 0 is no longer supported');
  if (version !== 1 && version !== true) throw badRequest(`Unsupported request data version ${String(version)}`);
  const data = { ...(req.body as Record<string, unknown>) };
  delete data[REQ_DATA_VERSION];
  convertUsbDevices(data);
  return [data, { dry_run: req.dryRun() }];
}

const CREATE_RENAME = { os: 'os_type', name: 'instance_name' } as const;

function multiAllocInput(req: RapiRequest): OpInput {
  const body = req.body;
  if (pyTypeName(body) !== 'dict' || !Object.hasOwn(body as object, 'instances')) {
    throw badRequest("Request is missing required 'instances' field in body");
  }
  const instances = (body as Record<string, unknown>)['instances'];
  if (!Array.isArray(instances)) throw badRequest("Request is missing required 'instances' field in body");
  const filled = instances.map((inst) => fillOpcode('OP_INSTANCE_CREATE', inst, {}, CREATE_RENAME));
  return [{ ...(body as Record<string, unknown>), instances: filled }, { dry_run: req.dryRun() }];
}

/** `_ParseInstanceReinstallRequest`: shutdown, reinstall and (unless start=false) startup. */
function reinstallOps(req: RapiRequest, data: unknown): ReturnType<typeof makeOpcode>[] {
  if (pyTypeName(data) !== 'dict') throw badRequest('Invalid body contents, not a dictionary');
  const os = checkParameter(data, 'os', [null]);
  const start = checkParameter(data, 'start', [true]);
  if (Object.hasOwn(data as object, 'start')) checkType(start, 'bool', "'start' parameter");
  const osparams = checkParameter(data, 'osparams', [null]);
  const name = req.item;
  const ops = [
    makeOpcode('OP_INSTANCE_SHUTDOWN', { instance_name: name }),
    makeOpcode('OP_INSTANCE_REINSTALL', { instance_name: name, os_type: os, osparams }),
  ];
  if (pyTruthy(start)) ops.push(makeOpcode('OP_INSTANCE_STARTUP', { instance_name: name, force: false }));
  return ops;
}

function replaceDisksInput(req: RapiRequest): OpInput {
  let data: Record<string, unknown>;
  if (pyTruthy(req.body)) {
    checkType(req.body, 'dict', 'Body contents');
    data = { ...(req.body as Record<string, unknown>) };
  } else if (req.queryArgs.size > 0) {
    data = {
      remote_node: req.stringArg('remote_node', null),
      mode: req.stringArg('mode', null),
      disks: req.stringArg('disks', null),
      iallocator: req.stringArg('iallocator', null),
    };
  } else {
    data = {};
  }
  if (Object.hasOwn(data, 'disks')) {
    const raw = data['disks'];
    delete data['disks'];
    if (pyTruthy(raw)) {
      if (Array.isArray(raw) && raw.every((d) => Number.isInteger(d))) data['disks'] = raw;
      else if (typeof raw === 'string') {
        const parts = raw.split(',').map((p) => p.trim());
        if (!parts.every((p) => /^[+-]?\d+$/.test(p))) {
          const bad = parts.find((p) => !/^[+-]?\d+$/.test(p)) ?? '';
          throw badRequest(`Invalid disk index passed: invalid literal for int() with base 10: '${bad}'`);
        }
        data['disks'] = parts.map(Number);
      } else {
        throw badRequest(`Invalid disk index passed: '${pyTypeName(raw)}' object has no attribute 'split'`);
      }
    }
  }
  return [data, { instance_name: req.item }];
}

/** An opcode resource taking the body as it is, with the instance name fixed. */
const withInstance =
  (extra: (req: RapiRequest) => Record<string, unknown> = () => ({})) =>
  (req: RapiRequest): OpInput => [req.body, { instance_name: req.item, ...extra(req) }];

/** An opcode resource taking no body, only query arguments. */
const queryOnly =
  (extra: (req: RapiRequest) => Record<string, unknown>) =>
  (req: RapiRequest): OpInput => [{}, { instance_name: req.item, ...extra(req) }];

export const INSTANCE_RESOURCES: readonly ResourceSpec[] = [
  {
    pattern: '/2/instances',
    className: 'R_2_instances',
    methods: {
      GET: read(async (req) => {
        const locking = req.useLocking();
        if (req.useBulk()) {
          const rows = await req.call('QueryInstances', [[], [...I_FIELDS], locking]);
          return mapBulkFields(rows, I_FIELDS).map(updateBeparams);
        }
        const names = firstColumn(await req.call('QueryInstances', [[], ['name'], locking]));
        return buildUriList(names, (id) => `/2/instances/${id}`, ['id', 'uri']);
      }),
      POST: opcodeMethod('OP_INSTANCE_CREATE', createInput, { rename: CREATE_RENAME }),
    },
  },
  {
    pattern: '/2/instances-multi-alloc',
    className: 'R_2_instances_multi_alloc',
    methods: { POST: opcodeMethod('OP_INSTANCE_MULTI_ALLOC', multiAllocInput) },
  },
  {
    pattern: '/2/instances/[instance_name]',
    className: 'R_2_instances_name',
    methods: {
      GET: read(async (req) => {
        const rows = await req.callItem('QueryInstances', [[req.item], [...I_FIELDS], req.useLocking()]);
        return updateBeparams(mapFields(I_FIELDS, rows[0]));
      }),
      DELETE: opcodeMethod(
        'OP_INSTANCE_REMOVE',
        withInstance((req) => ({ ignore_failures: false, dry_run: req.dryRun() })),
      ),
    },
  },
  {
    pattern: '/2/instances/[instance_name]/info',
    className: 'R_2_instances_name_info',
    methods: {
      // A job (OpInstanceQueryData) whose id is the answer; no authentication, as in rlib2.
      GET: opcodeMethod('OP_INSTANCE_QUERY_DATA', (req) => [{}, { instances: [req.item], static: req.flagArg('static') }], {
        access: [],
      }),
    },
  },
  tagResource('/2/instances/[instance_name]/tags', 'R_2_instances_name_tags', 'instance'),
  {
    pattern: '/2/instances/[instance_name]/reboot',
    className: 'R_2_instances_name_reboot',
    methods: {
      POST: opcodeMethod(
        'OP_INSTANCE_REBOOT',
        withInstance((req) => ({
          reboot_type: req.stringArg('type', 'hard'),
          ignore_secondaries: req.flagArg('ignore_secondaries'),
          dry_run: req.dryRun(),
        })),
      ),
    },
  },
  {
    pattern: '/2/instances/[instance_name]/reinstall',
    className: 'R_2_instances_name_reinstall',
    methods: {
      POST: write((req) => {
        let body: unknown;
        if (pyTruthy(req.body)) {
          if (req.queryArgs.size > 0) throw badRequest("Can't combine query and body parameters");
          body = req.body;
        } else if (req.queryArgs.size > 0) {
          body = { os: req.stringArg('os', null), start: !req.flagArg('nostartup') };
        } else {
          body = {};
        }
        return req.submitJob(reinstallOps(req, body));
      }),
    },
  },
  {
    pattern: '/2/instances/[instance_name]/replace-disks',
    className: 'R_2_instances_name_replace_disks',
    methods: { POST: opcodeMethod('OP_INSTANCE_REPLACE_DISKS', replaceDisksInput) },
  },
  {
    pattern: '/2/instances/[instance_name]/shutdown',
    className: 'R_2_instances_name_shutdown',
    methods: {
      PUT: opcodeMethod(
        'OP_INSTANCE_SHUTDOWN',
        withInstance((req) => ({ no_remember: req.flagArg('no_remember'), dry_run: req.dryRun() })),
      ),
    },
  },
  {
    pattern: '/2/instances/[instance_name]/startup',
    className: 'R_2_instances_name_startup',
    methods: {
      PUT: opcodeMethod(
        'OP_INSTANCE_STARTUP',
        queryOnly((req) => ({ force: req.useForce(), dry_run: req.dryRun(), no_remember: req.flagArg('no_remember') })),
      ),
    },
  },
  {
    pattern: '/2/instances/[instance_name]/activate-disks',
    className: 'R_2_instances_name_activate_disks',
    methods: {
      PUT: opcodeMethod(
        'OP_INSTANCE_ACTIVATE_DISKS',
        queryOnly((req) => ({ ignore_size: req.flagArg('ignore_size') })),
      ),
    },
  },
  {
    pattern: '/2/instances/[instance_name]/deactivate-disks',
    className: 'R_2_instances_name_deactivate_disks',
    methods: {
      PUT: opcodeMethod(
        'OP_INSTANCE_DEACTIVATE_DISKS',
        queryOnly((req) => ({ force: req.useForce() })),
      ),
    },
  },
  {
    pattern: '/2/instances/[instance_name]/recreate-disks',
    className: 'R_2_instances_name_recreate_disks',
    methods: { POST: opcodeMethod('OP_INSTANCE_RECREATE_DISKS', withInstance()) },
  },
  {
    pattern: '/2/instances/[instance_name]/prepare-export',
    className: 'R_2_instances_name_prepare_export',
    methods: {
      PUT: opcodeMethod(
        'OP_BACKUP_PREPARE',
        queryOnly((req) => ({ mode: req.stringArg('mode', null) })),
      ),
    },
  },
  {
    pattern: '/2/instances/[instance_name]/export',
    className: 'R_2_instances_name_export',
    methods: { PUT: opcodeMethod('OP_BACKUP_EXPORT', withInstance(), { rename: { destination: 'target_node' } }) },
  },
  {
    pattern: '/2/instances/[instance_name]/migrate',
    className: 'R_2_instances_name_migrate',
    methods: { PUT: opcodeMethod('OP_INSTANCE_MIGRATE', withInstance()) },
  },
  {
    pattern: '/2/instances/[instance_name]/failover',
    className: 'R_2_instances_name_failover',
    methods: { PUT: opcodeMethod('OP_INSTANCE_FAILOVER', withInstance()) },
  },
  {
    pattern: '/2/instances/[instance_name]/rename',
    className: 'R_2_instances_name_rename',
    methods: { PUT: opcodeMethod('OP_INSTANCE_RENAME', withInstance()) },
  },
  {
    pattern: '/2/instances/[instance_name]/modify',
    className: 'R_2_instances_name_modify',
    methods: {
      PUT: opcodeMethod(
        'OP_INSTANCE_SET_PARAMS',
        (req) => {
          // rlib2 copies the body with dict.copy(): anything else fails there.
          const type = pyTypeName(req.body);
          if (type === 'list') throw internalError('list indices must be integers or slices, not str');
          if (type !== 'dict') throw internalError(`'${type}' object has no attribute 'copy'`);
          const data = { ...(req.body as Record<string, unknown>) };
          convertUsbDevices(data);
          return [data, { instance_name: req.item }];
        },
        { rename: { custom_beparams: 'beparams', custom_hvparams: 'hvparams' } },
      ),
    },
  },
  {
    pattern: '/2/instances/[instance_name]/disk/[disk_index]/grow',
    className: 'R_2_instances_name_disk_grow',
    methods: {
      POST: opcodeMethod('OP_INSTANCE_GROW_DISK', (req) => [req.body, { instance_name: req.item, disk: Number(req.items[1]) }]),
    },
  },
  {
    pattern: '/2/instances/[instance_name]/console',
    className: 'R_2_instances_name_console',
    methods: {
      GET: read(async (req) => {
        const rows = (await req.call('QueryInstances', [[req.item], ['console', 'oper_state'], false])) as unknown[][];
        const row = rows[0];
        if (!Array.isArray(row)) throw internalError('list index out of range');
        const [console, operState] = row as [unknown, unknown];
        if (!pyTruthy(operState)) throw serviceUnavailable('Instance console unavailable');
        return console;
      }, READ_OR_WRITE),
    },
  },
];
