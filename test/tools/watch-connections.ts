import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { BlockList, Socket } from 'node:net';

export interface ConnectionWatch {
  /** TCP client sockets created since the watch began, connected or not. */
  readonly opened: number;
  /** Addresses that sockets resolved their host to, in order: what each would have connected to. */
  readonly lookups: string[];
  stop(): void;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Watches every TCP client connection this process starts (node:net's `net.client.socket` channel) without
 * replacing anything in the code under test. A socket whose host resolved to an address beyond loopback is
 * destroyed at its `lookup` event, before it connects, so no packet leaves the machine.
 */
export function watchConnections(): ConnectionWatch {
  let opened = 0;
  const lookups: string[] = [];
  const onSocket = (message: unknown) => {
    const { socket } = message as { socket: unknown };
    if (!(socket instanceof Socket)) return;
    opened++;
    socket.on('lookup', (error: Error | null, address: string | undefined, family: number | undefined) => {
      if (error || address === undefined) return;
      lookups.push(address);
      if (!LOOPBACK.check(address, family === 6 ? 'ipv6' : 'ipv4')) {
        socket.destroy(new Error(`the test stopped a connection to ${address}: tests stay on this machine`));
      }
    });
  };
  subscribe('net.client.socket', onSocket);
  return {
    get opened() {
      return opened;
    },
    lookups,
    stop: () => unsubscribe('net.client.socket', onSocket),
  };
}
