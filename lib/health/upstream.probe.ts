import { isIP, type Socket, connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';

export type UpstreamProbeResult = { reachable: true } | { reachable: false; reason: string };

export interface UpstreamProbeTarget {
  /** The exchange API's base URL: its protocol says whether a TLS handshake is part of the check. */
  host: string;
  upstreamAddress: string;
  upstreamPort: number;
}

/**
 * Opens a connection to the upstream host, and completes a TLS handshake (certificate verified) for https, within
 * `timeoutMs`. Nothing is written: no exchange is sent, no ticket spent, no credential carried.
 */
export function probeUpstream(target: UpstreamProbeTarget, timeoutMs: number): Promise<UpstreamProbeResult> {
  const { upstreamAddress: host, upstreamPort: port } = target;
  const tls = new URL(target.host).protocol === 'https:';
  return new Promise((resolve) => {
    let socket: Socket | undefined;
    const done = (result: UpstreamProbeResult) => {
      clearTimeout(timer);
      socket?.destroy();
      resolve(result);
    };
    // Its own timer: a socket's idle timeout would not bound a slow DNS lookup or handshake as a whole.
    const timer = setTimeout(() => done({ reachable: false, reason: 'timeout' }), timeoutMs);
    socket = tls
      ? connectTls({ host, port, servername: isIP(host) ? undefined : host }, () => done({ reachable: true }))
      : connectTcp({ host, port }, () => done({ reachable: true }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ reachable: false, reason: err.code ?? 'error' }));
  });
}
