/**
 * Reading the UFM simulator's request log: which GUIDs the controller asked UFM to remove from a
 * PKey, in order, lower-case hex, whatever UFM answered. Both removal routes count (path and body form).
 */
import type { RequestLogEntry } from '../../ufm-simulator/types';

export function guidsRemovedIn(log: readonly RequestLogEntry[]): string[] {
  return log
    .flatMap((entry) => {
      if (entry.method === 'DELETE' && entry.route === '/resources/pkeys/:pkey/guids/:guids') {
        return entry.path.split('/guids/')[1]!.split('?')[0]!.split(',');
      }
      if (entry.method === 'POST' && entry.route === '/actions/remove_guids_from_pkey') {
        return (entry.body as { guids?: string[] } | undefined)?.guids ?? [];
      }
      return [];
    })
    .map((guid) => guid.toLowerCase());
}
