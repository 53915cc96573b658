/** The node-group and network resources of rlib2: `/2/groups/...` and `/2/networks/...`. */
import type { RapiRequest } from './request.js';
import {
  buildUriList,
  firstColumn,
  mapBulkFields,
  mapFields,
  opcodeMethod,
  read,
  tagResource,
  type OpInput,
  type ResourceSpec,
} from './resource.js';

const COMMON_FIELDS = ['ctime', 'mtime', 'uuid', 'serial_no', 'tags'] as const;

/** rlib2 `G_FIELDS`: the fields of a node-group record. */
export const G_FIELDS = [
  'alloc_policy',
  'name',
  'node_cnt',
  'node_list',
  'ipolicy',
  'custom_ipolicy',
  'diskparams',
  'custom_diskparams',
  'ndparams',
  'custom_ndparams',
  ...COMMON_FIELDS,
] as const;

/** rlib2 `NET_FIELDS`: the fields of a network record. */
export const NET_FIELDS = [
  'name',
  'network',
  'gateway',
  'network6',
  'gateway6',
  'mac_prefix',
  'free_count',
  'reserved_count',
  'map',
  'group_list',
  'inst_list',
  'external_reservations',
  ...COMMON_FIELDS,
] as const;

const group =
  (extra: (req: RapiRequest) => Record<string, unknown> = () => ({})) =>
  (req: RapiRequest): OpInput => [req.body, { group_name: req.item, ...extra(req) }];
const network =
  (extra: (req: RapiRequest) => Record<string, unknown> = () => ({})) =>
  (req: RapiRequest): OpInput => [req.body, { network_name: req.item, ...extra(req) }];
const dryRun = (req: RapiRequest): Record<string, unknown> => ({ dry_run: req.dryRun() });

export const GROUP_RESOURCES: readonly ResourceSpec[] = [
  {
    pattern: '/2/groups',
    className: 'R_2_groups',
    methods: {
      GET: read(async (req) => {
        if (req.useBulk()) return mapBulkFields(await req.call('QueryGroups', [[], [...G_FIELDS], false]), G_FIELDS);
        const names = firstColumn(await req.call('QueryGroups', [[], ['name'], false]));
        return buildUriList(names, (id) => `/2/groups/${id}`, ['name', 'uri']);
      }),
      POST: opcodeMethod('OP_GROUP_ADD', (req) => [req.body, dryRun(req)], { rename: { name: 'group_name' } }),
    },
  },
  {
    pattern: '/2/groups/[group_name]',
    className: 'R_2_groups_name',
    methods: {
      GET: read(async (req) => {
        const rows = await req.callItem('QueryGroups', [[req.item], [...G_FIELDS], req.useLocking()]);
        return mapFields(G_FIELDS, rows[0]);
      }),
      DELETE: opcodeMethod('OP_GROUP_REMOVE', (req) => [{}, { group_name: req.item, ...dryRun(req) }]),
    },
  },
  {
    pattern: '/2/groups/[group_name]/modify',
    className: 'R_2_groups_name_modify',
    methods: {
      PUT: opcodeMethod('OP_GROUP_SET_PARAMS', group(), {
        rename: { custom_ndparams: 'ndparams', custom_ipolicy: 'ipolicy', custom_diskparams: 'diskparams' },
      }),
    },
  },
  {
    pattern: '/2/groups/[group_name]/rename',
    className: 'R_2_groups_name_rename',
    methods: { PUT: opcodeMethod('OP_GROUP_RENAME', group(dryRun)) },
  },
  {
    pattern: '/2/groups/[group_name]/assign-nodes',
    className: 'R_2_groups_name_assign_nodes',
    methods: {
      PUT: opcodeMethod(
        'OP_GROUP_ASSIGN_NODES',
        group((req) => ({ ...dryRun(req), force: req.useForce() })),
      ),
    },
  },
  tagResource('/2/groups/[group_name]/tags', 'R_2_groups_name_tags', 'nodegroup'),
];

export const NETWORK_RESOURCES: readonly ResourceSpec[] = [
  {
    pattern: '/2/networks',
    className: 'R_2_networks',
    methods: {
      GET: read(async (req) => {
        if (req.useBulk()) return mapBulkFields(await req.call('QueryNetworks', [[], [...NET_FIELDS], false]), NET_FIELDS);
        const names = firstColumn(await req.call('QueryNetworks', [[], ['name'], false]));
        return buildUriList(names, (id) => `/2/networks/${id}`, ['name', 'uri']);
      }),
      POST: opcodeMethod('OP_NETWORK_ADD', (req) => [req.body, dryRun(req)], { rename: { name: 'network_name' } }),
    },
  },
  {
    pattern: '/2/networks/[network_name]',
    className: 'R_2_networks_name',
    methods: {
      GET: read(async (req) => {
        const rows = await req.callItem('QueryNetworks', [[req.item], [...NET_FIELDS], req.useLocking()]);
        return mapFields(NET_FIELDS, rows[0]);
      }),
      DELETE: opcodeMethod('OP_NETWORK_REMOVE', network(dryRun)),
    },
  },
  {
    pattern: '/2/networks/[network_name]/connect',
    className: 'R_2_networks_name_connect',
    methods: { PUT: opcodeMethod('OP_NETWORK_CONNECT', network(dryRun)) },
  },
  {
    pattern: '/2/networks/[network_name]/disconnect',
    className: 'R_2_networks_name_disconnect',
    methods: { PUT: opcodeMethod('OP_NETWORK_DISCONNECT', network(dryRun)) },
  },
  {
    pattern: '/2/networks/[network_name]/modify',
    className: 'R_2_networks_name_modify',
    methods: { PUT: opcodeMethod('OP_NETWORK_SET_PARAMS', network()) },
  },
  tagResource('/2/networks/[network_name]/tags', 'R_2_networks_name_tags', 'network'),
];
