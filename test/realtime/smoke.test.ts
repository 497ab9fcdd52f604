import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { useProduct } from '../support/harness.js';
import { buildTicketIn, buildUser, loginAdmin } from '../support/factories.js';
import { connectSocket } from '../support/socket-client.js';

describe('realtime smoke', () => {
  const t = useProduct();
  it('runs a command over the socket and pushes to floor and technician', async () => {
    const admin = await loginAdmin(t.current);
    const supervisor = await buildUser(t.current, admin, 'SUPERVISOR');
    const technician = await buildUser(t.current, admin, 'TECHNICIAN');
    const ticket = await buildTicketIn('ASSIGNED', { admin, supervisor, technician });
    const floor = await connectSocket(t.current.product.url, supervisor.token);
    const hand = await connectSocket(t.current.product.url, technician.token);
    await floor.waitFor((p) => p.type === 'floor.snapshot');
    const ack = await hand.command('ticket:start', { commandId: randomUUID(), ticketId: ticket.id });
    expect(ack.ok, JSON.stringify(ack)).to.equal(true);
    const push = await floor.waitFor((p) => p.type === 'ticket.updated' && (p.data as any).ticket.id === ticket.id);
    expect((push.data as any).ticket.status).to.equal('IN_PROGRESS');
    await hand.waitFor((p) => p.type === 'session.updated');
    floor.close();
    hand.close();
  });
});
