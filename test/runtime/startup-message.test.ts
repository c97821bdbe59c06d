// What `npm start` prints once up, for each way it can run: with its own servers, or against a
// Temporal, a PostgreSQL and an SMTP relay of the user's, whose passwords stay out of the logs.
import { describe, expect, it } from 'vitest';
import { startupMessage, type ReachableParts } from '../../runtime/startup-message.js';

const ownServers: ReachableParts = {
  api: 'http://localhost:3000',
  temporalUi: 'http://localhost:8233',
  temporalAddress: '127.0.0.1:7233',
  namespace: 'default',
  databaseUrl: 'postgres://tenure:tenure@127.0.0.1:5433/tenure',
  embeddedDatabase: true,
  smtpUrl: 'smtp://127.0.0.1:2525',
  caughtMailDir: '/srv/tenure/.data/mail',
};

describe('the startup message', () => {
  it('names every address of npm start with its own servers, and where caught mail goes', () => {
    const message = startupMessage(ownServers, 4.26);
    expect(message).toMatch(/^Tenure is up in 4\.3 s\n/);
    for (const path of ['/v1', '/docs', '/openapi.json', '/healthz', '/readyz', '/metrics', '/v1/outbox']) expect(message).toContain(`http://localhost:3000${path}`);
    expect(message).toContain('http://localhost:8233');
    expect(message).toContain('127.0.0.1:7233   (namespace default)');
    // The embedded server's password is a fixed local one: shown, so the URL works as is with psql.
    expect(message).toContain('postgres://tenure:tenure@127.0.0.1:5433/tenure');
    expect(message).toContain('smtp://127.0.0.1:2525 catches every message as an .eml file in /srv/tenure/.data/mail');
    expect(message).toMatch(/Press Ctrl-C to stop\.$/);
  });

  it('shows the user\'s own servers without their passwords, and no local UI or mail directory', () => {
    const message = startupMessage({
      ...ownServers,
      temporalUi: undefined,
      temporalAddress: 'temporal.internal:7233',
      databaseUrl: 'postgres://app:db-secret@db.internal:5432/tenure',
      embeddedDatabase: false,
      smtpUrl: 'smtps://mailer:smtp-secret@relay.example.com:465',
      caughtMailDir: undefined,
    }, 12);
    expect(message).not.toMatch(/secret/);
    expect(message).toContain('postgres://app@db.internal:5432/tenure');
    expect(message).toContain('sent through smtps://mailer@relay.example.com:465');
    expect(message).toContain('your Temporal cluster\'s UI');
    expect(message).toContain('temporal.internal:7233');
    expect(message).not.toContain('.eml');
  });
});
