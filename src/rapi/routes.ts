/**
 * The RAPI URL map (lib/rapi/connector.py `GetHandlers`): every resource of the resource
 * modules, matched against the path as ganeti-rapi matches it (before percent-decoding;
 * names are `[\w._-]+` with Python's Unicode `\w`, job ids and disk indices digits).
 */
import { CLUSTER_RESOURCES } from './resources-cluster.js';
import { GROUP_RESOURCES, NETWORK_RESOURCES } from './resources-groups.js';
import { INSTANCE_RESOURCES } from './resources-instances.js';
import { NODE_RESOURCES } from './resources-nodes.js';
import type { ResourceSpec } from './resource.js';

/** Every resource, in connector.py's order. */
export const RAPI_RESOURCES: readonly ResourceSpec[] = [
  ...CLUSTER_RESOURCES.slice(0, 3),
  ...NODE_RESOURCES,
  ...INSTANCE_RESOURCES,
  ...NETWORK_RESOURCES,
  ...GROUP_RESOURCES,
  ...CLUSTER_RESOURCES.slice(3),
];

// connector.py `_NAME_PATTERN` ([\w\._-]+; Python's \w is a letter, digit or '_' of any
// script) and `_DISK_PATTERN`, constants.JOB_ID_TEMPLATE (\d+, also any script's digits).
const NAME = '([\\p{L}\\p{N}_.-]+)';
const DIGITS = '(\\p{Nd}+)';

function compile(pattern: string): RegExp {
  const source = pattern
    .split(/(\[[a-z_]+\])/)
    .map((part) => {
      if (part === '[job_id]' || part === '[disk_index]') return DIGITS;
      if (part.startsWith('[')) return NAME;
      return part.replace(/[.*+?^${}()|\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`, 'u');
}

/** A matched resource and the URL's items. */
export interface RouteMatch {
  resource: ResourceSpec;
  items: string[];
}

/** Finds resources by path, as `utils.FindMatch` does: exact paths first, then the patterns. */
export class RapiRouter {
  readonly #exact = new Map<string, ResourceSpec>();
  readonly #patterns: Array<[RegExp, ResourceSpec]> = [];

  constructor(resources: readonly ResourceSpec[] = RAPI_RESOURCES) {
    for (const r of resources) {
      if (r.pattern.includes('[')) this.#patterns.push([compile(r.pattern), r]);
      else this.#exact.set(r.pattern, r);
    }
  }

  /** The resource for `path` (no query string), or undefined. */
  match(path: string): RouteMatch | undefined {
    const exact = this.#exact.get(path);
    if (exact) return { resource: exact, items: [] };
    for (const [re, resource] of this.#patterns) {
      const m = re.exec(path);
      if (m) return { resource, items: m.slice(1) };
    }
    return undefined;
  }
}
