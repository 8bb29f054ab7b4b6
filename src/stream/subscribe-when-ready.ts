/**
 * SUBSCRIBE sent while an ioredis 5 connection is still in its handshake races the ready check (ioredis#2037):
 * Redis accepts SUBSCRIBE at once, its reply puts the connection in subscriber mode, and the INFO that follows is
 * refused, so ioredis drops the connection and reconnects. It resubscribes, but whatever was published in between
 * is lost to every viewer on that connection. Waiting out the handshake keeps SUBSCRIBE after it. In the other
 * states ioredis queues the command until the connection is ready, which is safe.
 */
import type { Redis } from 'ioredis';

export async function subscribeWhenReady(subscriber: Redis, channel: string): Promise<void> {
  if (subscriber.status === 'connect') await handshakeOver(subscriber);
  await subscriber.subscribe(channel);
}

/** Resolves when the handshake ends either way: a connection closed meanwhile queues the SUBSCRIBE instead. */
function handshakeOver(connection: Redis): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      connection.off('ready', done);
      connection.off('close', done);
      resolve();
    };
    connection.on('ready', done);
    connection.on('close', done);
  });
}
