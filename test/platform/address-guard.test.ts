// Issue 14: webhooks cannot be aimed at Tenure's own network (SSRF), at subscription nor at delivery.
import { once } from 'node:events';
import { createServer, get } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTargetSyntax, resolveSafeTarget, targetPolicy, type Resolver } from '../../platform/network/address-guard.js';
import { pinnedLookup } from '../../platform/network/pinned-lookup.js';

const development = targetPolicy({ requireHttps: false, ownAddresses: () => [] });
const production = targetPolicy({ requireHttps: true, ownAddresses: () => [] });
const resolvingTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('checkTargetSyntax refuses, without DNS', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'forbidden_address', 'link-local'],
    ['http://127.0.0.1:5433/', 'forbidden_address', 'loopback'],
    ['http://[::1]/', 'forbidden_address', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'forbidden_address', 'loopback'],
    ['http://[::ffff:169.254.169.254]/', 'forbidden_address', 'link-local'],
    ['http://0.0.0.0/', 'forbidden_address', 'unspecified'],
    ['http://0/', 'forbidden_address', 'unspecified'],
    ['http://[::]/', 'forbidden_address', 'unspecified'],
    ['http://10.1.2.3/', 'forbidden_address', 'private'],
    ['http://172.16.0.1/', 'forbidden_address', 'private'],
    ['http://192.168.1.1/', 'forbidden_address', 'private'],
    ['http://[fd12:3456::1]/', 'forbidden_address', 'private'],
    ['http://[fe80::1]/', 'forbidden_address', 'link-local'],
    ['http://100.64.0.1/', 'forbidden_address', 'carrier-grade NAT'],
    ['http://224.0.0.1/', 'forbidden_address', 'multicast'],
    ['http://[ff02::1]/', 'forbidden_address', 'multicast'],
    ['http://255.255.255.255/', 'forbidden_address', 'broadcast'],
    ['http://240.0.0.1/', 'forbidden_address', 'reserved'],
    ['http://[64:ff9b::7f00:1]/', 'forbidden_address', 'reserved'],
    ['http://2130706433/', 'forbidden_address', 'loopback'],
    ['http://0x7f.1/', 'forbidden_address', 'loopback'],
    ['http://0177.0.0.1/', 'forbidden_address', 'loopback'],
    ['http://127.1/', 'forbidden_address', 'loopback'],
    ['http://localhost:3000/', 'local_name', 'local network'],
    ['http://LOCALHOST./', 'local_name', 'local network'],
    ['http://api.localhost/', 'local_name', 'local network'],
    ['http://printer.local/', 'local_name', 'local network'],
    ['http://metadata.google.internal/', 'local_name', 'local network'],
    ['http://db/', 'local_name', 'local network'],
    ['ftp://hooks.example.com/', 'scheme', 'not ftp'],
    ['file:///etc/passwd', 'scheme', 'not file'],
    ['not a url', 'invalid_url', 'valid absolute URL'],
  ])('%s (%s)', (url, code, reason) => {
    const verdict = checkTargetSyntax(url, development);
    expect(verdict).toMatchObject({ ok: false, code });
    expect(verdict.ok ? '' : verdict.reason).toContain(reason);
  });

  it('plain http in production', () => {
    expect(checkTargetSyntax('http://hooks.example.com/', production)).toMatchObject({ ok: false, code: 'https_required' });
  });

  it("this machine's own public address", () => {
    const policy = targetPolicy({ requireHttps: false, ownAddresses: () => ['198.51.100.7', '8.8.4.4'] });
    expect(checkTargetSyntax('http://8.8.4.4/', policy)).toMatchObject({ ok: false, reason: expect.stringContaining('own addresses') });
  });
});

describe('checkTargetSyntax accepts', () => {
  it.each(['https://hooks.example.com/tenure', 'http://93.184.216.34:8080/', 'https://[2606:4700::1111]/', 'https://xn--bcher-kva.example/'])('%s', (url) => {
    expect(checkTargetSyntax(url, development)).toMatchObject({ ok: true });
  });
});

describe('resolveSafeTarget, at delivery', () => {
  it('refuses a name that resolves to a loopback address, naming both', async () => {
    const verdict = await resolveSafeTarget('https://rebound.example.com/', development, resolvingTo('127.0.0.1'));
    expect(verdict).toMatchObject({ ok: false, code: 'forbidden_address', reason: expect.stringMatching(/rebound\.example\.com.*127\.0\.0\.1.*loopback/) });
  });

  it('refuses a name when any of its addresses is forbidden', async () => {
    const verdict = await resolveSafeTarget('https://mixed.example.com/', development, resolvingTo('93.184.216.34', '::ffff:10.0.0.1'));
    expect(verdict).toMatchObject({ ok: false, code: 'forbidden_address', reason: expect.stringContaining('private') });
  });

  it('answers the vetted address to connect to', async () => {
    const verdict = await resolveSafeTarget('https://hooks.example.com/x', development, resolvingTo('2606:4700::1111', '93.184.216.34'));
    expect(verdict).toMatchObject({ ok: true, hostname: 'hooks.example.com', address: '2606:4700::1111', family: 6 });
  });

  it('says a name that does not resolve is unresolvable, so the delivery can be retried', async () => {
    const failing: Resolver = async () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    expect(await resolveSafeTarget('https://gone.example.com/', development, failing)).toMatchObject({ ok: false, code: 'unresolvable', reason: expect.stringContaining('ENOTFOUND') });
  });

  it('refuses what the syntax check refuses, without resolving', async () => {
    const never: Resolver = async () => expect.unreachable('no DNS for a literal address');
    expect(await resolveSafeTarget('http://169.254.169.254/', development, never)).toMatchObject({ ok: false, code: 'forbidden_address' });
  });
});

describe('the allow-list of local development and tests', () => {
  const local = targetPolicy({ requireHttps: false, allow: ['127.0.0.1', 'localhost', '10.0.0.0/8'], ownAddresses: () => ['127.0.0.1'] });

  it('lets the listed address, names and ranges through, and only those', async () => {
    expect(checkTargetSyntax('http://127.0.0.1:5433/', local)).toMatchObject({ ok: true });
    expect(checkTargetSyntax('http://[::ffff:127.0.0.1]/', local)).toMatchObject({ ok: true });
    expect(checkTargetSyntax('http://127.0.0.2/', local)).toMatchObject({ ok: false, code: 'forbidden_address' });
    expect(checkTargetSyntax('http://localhost:3000/', local)).toMatchObject({ ok: true });
    expect(await resolveSafeTarget('http://localhost:3000/', local, resolvingTo('::1'))).toMatchObject({ ok: true, address: '::1' });
    expect(await resolveSafeTarget('https://hooks.corp.example/', local, resolvingTo('10.1.2.3'))).toMatchObject({ ok: true, address: '10.1.2.3' });
    expect(await resolveSafeTarget('https://hooks.corp.example/', local, resolvingTo('192.168.0.9'))).toMatchObject({ ok: false });
  });

  it('refuses an entry that is neither an address, a CIDR nor a host name, naming it', () => {
    expect(() => targetPolicy({ requireHttps: false, allow: ['10.0.0.0/99'] })).toThrow('"10.0.0.0/99"');
  });
});

describe('any spelling of an address', () => {
  const forbiddenIPv4 = fc.oneof(
    fc.tuple(fc.constant(127), fc.nat(255), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(10), fc.nat(255), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(192), fc.constant(168), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(169), fc.constant(254), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(100), fc.integer({ min: 64, max: 127 }), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.integer({ min: 224, max: 255 }), fc.nat(255), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(0), fc.nat(255), fc.nat(255), fc.nat(255)),
  );
  const spellings = (octets: number[]) => {
    const value = octets.reduce((sum, octet) => sum * 256 + octet, 0);
    const hex = (n: number) => `0x${n.toString(16)}`;
    return [
      octets.join('.'),
      String(value),
      hex(value),
      octets.map((octet) => `0${octet.toString(8)}`).join('.'),
      `${octets[0]}.${(octets[1]! << 16) + (octets[2]! << 8) + octets[3]!}`,
      `${hex(octets[0]!)}.${octets[1]}.${octets[2]}.${octets[3]}`,
      `[::ffff:${octets.join('.')}]`,
    ];
  };

  it('of a forbidden IPv4 address is refused', () => {
    fc.assert(
      fc.property(forbiddenIPv4, (octets) => {
        for (const host of spellings(octets)) expect(checkTargetSyntax(`http://${host}/`, development), host).toMatchObject({ ok: false, code: 'forbidden_address' });
      }),
    );
  });

  it('of any IPv4 address gets the verdict of its dotted form', () => {
    fc.assert(
      fc.property(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)), (octets) => {
        const [dotted, ...others] = spellings(octets).map((host) => checkTargetSyntax(`http://${host}/`, development).ok);
        for (const verdict of others) expect(verdict).toBe(dotted);
      }),
    );
  });
});

describe('pinnedLookup', () => {
  it('makes node:http connect to the vetted address, whatever DNS says now', async () => {
    const server = createServer((_request, response) => response.end('pinned'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as { port: number };
      const policy = targetPolicy({ requireHttps: false, allow: ['127.0.0.1'] });
      // The name exists nowhere: only the pinned lookup can reach the server through it.
      const target = await resolveSafeTarget(`http://hooks.tenure.test:${port}/`, policy, resolvingTo('127.0.0.1'));
      if (!target.ok) throw new Error(target.reason);
      const body = await new Promise<string>((done, fail) => {
        get(target.url, { lookup: pinnedLookup(target) }, (response) => {
          response.setEncoding('utf8');
          let text = '';
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => done(text));
        }).on('error', fail);
      });
      expect(body).toBe('pinned');
    } finally {
      server.close();
    }
  });

  it('refuses any other host name', () => {
    const lookup = pinnedLookup({ hostname: 'hooks.example.com', address: '93.184.216.34', family: 4 });
    let failure: Error | null = null;
    lookup('elsewhere.example.com', {}, (error) => (failure = error));
    expect(failure).toMatchObject({ code: 'ENOTFOUND', message: expect.stringContaining('only hooks.example.com was checked') });
  });
});
