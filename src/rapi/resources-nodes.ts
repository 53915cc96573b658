/** The node resources of rlib2: `/2/nodes` and `/2/nodes/[node_name]/...`. */
import { badRequest, internalError } from './http-error.js';
import { checkType, type RapiRequest } from './request.js';
import {
  WRITE,
  buildUriList,
  firstColumn,
  mapBulkFields,
  mapFields,
  opcodeMethod,
  read,
  tagResource,
  withAliases,
  type OpInput,
  type ResourceSpec,
} from './resource.js';

const COMMON_FIELDS = ['ctime', 'mtime', 'uuid', 'serial_no', 'tags'] as const;

/** rlib2 `N_FIELDS`: the fields of a node record. */
export const N_FIELDS = [
  'name',
  'offline',
  'master_candidate',
  'drained',
  'dtotal',
  'dfree',
  'sptotal',
  'spfree',
  'mtotal',
  'mnode',
  'mfree',
  'pinst_cnt',
  'sinst_cnt',
  'ctotal',
  'cnos',
  'cnodes',
  'csockets',
  'pip',
  'sip',
  'role',
  'pinst_list',
  'sinst_list',
  'master_capable',
  'vm_capable',
  'ndparams',
  'group.uuid',
  ...COMMON_FIELDS,
] as const;

/** rlib2 `_NR_MAP`: luxid's one-letter node roles and their RAPI names. */
export const NODE_ROLES: Readonly<Record<string, string>> = {
  M: 'master',
  C: 'master-candidate',
  D: 'drained',
  O: 'offline',
  R: 'regular',
};

/** `R_2_nodes_name_role.GetPutOpInput`: a role name to OpNodeSetParams flags. */
function roleInput(req: RapiRequest): OpInput {
  checkType(req.body, 'str', 'Body contents');
  const role = req.body as string;
  let candidate: boolean | null = null;
  let offline: boolean | null = null;
  let drained: boolean | null = null;
  if (role === 'regular') candidate = offline = drained = false;
  else if (role === 'master-candidate') candidate = true;
  else if (role === 'drained') drained = true;
  else if (role === 'offline') offline = true;
  else throw badRequest(`Can't set '${role}' role`);
  return [
    {},
    {
      node_name: req.item,
      master_candidate: candidate,
      offline,
      drained,
      force: req.useForce(),
      auto_promote: req.flagArg('auto-promote'),
    },
  ];
}

/** `R_2_nodes_name_migrate.GetPostOpInput`: old-style `?live=`/`?mode=` or the body. */
function migrateInput(req: RapiRequest): OpInput {
  let data: unknown;
  if (req.queryArgs.size > 0) {
    if (req.hasArg('live') && req.hasArg('mode')) throw badRequest("Only one of 'live' and 'mode' should be passed");
    const mode = req.hasArg('live') ? (req.intArg('live', 1) ? 'live' : 'non-live') : req.stringArg('mode', null);
    data = { mode };
  } else {
    data = req.body;
  }
  return [data, { node_name: req.item }];
}

/** storage_type, name and the required-name check of the storage resources. */
function storageVolume(req: RapiRequest): { storage_type: string | null; name: string } {
  const storageType = req.stringArg('storage_type', null);
  const name = req.stringArg('name', null);
  if (!name) throw badRequest("Missing the required 'name' parameter");
  return { storage_type: storageType, name };
}

export const NODE_RESOURCES: readonly ResourceSpec[] = [
  {
    pattern: '/2/nodes',
    className: 'R_2_nodes',
    methods: {
      GET: read(async (req) => {
        if (req.useBulk()) return mapBulkFields(await req.call('QueryNodes', [[], [...N_FIELDS], false]), N_FIELDS);
        const names = firstColumn(await req.call('QueryNodes', [[], ['name'], false]));
        return buildUriList(names, (id) => `/2/nodes/${id}`, ['id', 'uri']);
      }),
    },
  },
  {
    pattern: '/2/nodes/[node_name]',
    className: 'R_2_nodes_name',
    methods: {
      GET: withAliases(
        read(async (req) => {
          const rows = await req.callItem('QueryNodes', [[req.item], [...N_FIELDS], req.useLocking()]);
          return mapFields(N_FIELDS, rows[0]);
        }),
        { sip: 'secondary_ip' },
      ),
    },
  },
  {
    pattern: '/2/nodes/[node_name]/powercycle',
    className: 'R_2_nodes_name_powercycle',
    methods: { POST: opcodeMethod('OP_NODE_POWERCYCLE', (req) => [req.body, { node_name: req.item, force: req.useForce() }]) },
  },
  {
    pattern: '/2/nodes/[node_name]/role',
    className: 'R_2_nodes_name_role',
    methods: {
      GET: read(async (req) => {
        const rows = (await req.call('QueryNodes', [[req.item], ['role'], req.useLocking()])) as unknown[][];
        const letter = rows[0]?.[0];
        const role = typeof letter === 'string' ? NODE_ROLES[letter] : undefined;
        if (role === undefined) throw internalError(letter === undefined ? 'list index out of range' : String(letter));
        return role;
      }),
      PUT: opcodeMethod('OP_NODE_SET_PARAMS', roleInput),
    },
  },
  {
    pattern: '/2/nodes/[node_name]/evacuate',
    className: 'R_2_nodes_name_evacuate',
    methods: { POST: opcodeMethod('OP_NODE_EVACUATE', (req) => [req.body, { node_name: req.item, dry_run: req.dryRun() }]) },
  },
  {
    pattern: '/2/nodes/[node_name]/migrate',
    className: 'R_2_nodes_name_migrate',
    methods: { POST: opcodeMethod('OP_NODE_MIGRATE', migrateInput) },
  },
  {
    pattern: '/2/nodes/[node_name]/modify',
    className: 'R_2_nodes_name_modify',
    methods: { POST: opcodeMethod('OP_NODE_SET_PARAMS', (req) => [req.body, { node_name: req.item }]) },
  },
  {
    pattern: '/2/nodes/[node_name]/storage',
    className: 'R_2_nodes_name_storage',
    methods: {
      // OpNodeQueryStorage takes locks: write access only, as in rlib2.
      GET: opcodeMethod(
        'OP_NODE_QUERY_STORAGE',
        (req) => {
          const storageType = req.stringArg('storage_type', null);
          const outputFields = req.stringArg('output_fields', null);
          if (!outputFields) throw badRequest("Missing the required 'output_fields' parameter");
          return [{}, { nodes: [req.item], storage_type: storageType, output_fields: outputFields.split(',') }];
        },
        { access: WRITE },
      ),
    },
  },
  {
    pattern: '/2/nodes/[node_name]/storage/modify',
    className: 'R_2_nodes_name_storage_modify',
    methods: {
      PUT: opcodeMethod('OP_NODE_MODIFY_STORAGE', (req) => {
        const volume = storageVolume(req);
        const changes: Record<string, unknown> = {};
        if (req.hasArg('allocatable')) changes['allocatable'] = req.flagArg('allocatable', 1);
        return [{}, { node_name: req.item, ...volume, changes }];
      }),
    },
  },
  {
    pattern: '/2/nodes/[node_name]/storage/repair',
    className: 'R_2_nodes_name_storage_repair',
    methods: { PUT: opcodeMethod('OP_REPAIR_NODE_STORAGE', (req) => [{}, { node_name: req.item, ...storageVolume(req) }]) },
  },
  tagResource('/2/nodes/[node_name]/tags', 'R_2_nodes_name_tags', 'node'),
];
