/** The default socket for client commands: $GANETI_UDS_SOCKET, else luxid's path under $GANETI_ROOTDIR. */
import { join } from 'node:path';

export function defaultSocketHint(): string {
  const explicit = process.env['GANETI_UDS_SOCKET'];
  if (explicit) return explicit;
  return join(process.env['GANETI_ROOTDIR'] ?? '/', 'var/run/ganeti/socket/ganeti-query');
}
