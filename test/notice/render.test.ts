import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createNoticeRenderer,
  humanizeDuration,
  noticeKinds,
  NoticeRenderError,
  renderNotice,
  resolveNoticeLocale,
  subjectTypes,
  type NoticeInput,
  type NoticeVars,
} from '../../platform/notice/render.js';

const vars: NoticeVars = {
  companyName: 'Acme Logistics',
  product: 'ESET PROTECT',
  partnerName: 'SecureIT',
  partnerEmail: 'support@secureit.example',
  seats: 25,
  accountName: 'acme.onmicrosoft.com',
  offset: 'P7D',
  grace: 'P14D',
  // 23:30 UTC is already the next day in Warsaw and still the same day in New York.
  expiresAt: '2025-03-14T23:30:00Z',
  graceEndsAt: '2025-03-28T23:30:00Z',
  suspendsAt: '2025-03-28T23:30:00Z',
  deletesAt: '2025-04-27T23:30:00Z',
};

const notice = (overrides: Partial<Omit<NoticeInput, 'vars'>> & { vars?: Partial<NoticeVars> } = {}) =>
  renderNotice({
    subjectType: 'license',
    kind: 'grace_started',
    locale: 'en',
    timeZone: 'Europe/Warsaw',
    ...overrides,
    vars: { ...vars, ...overrides.vars },
  });

/** Intl separates times and zones with narrow no-break spaces; compare words, not space kinds. */
const plain = (text: string) => text.replace(/\s/g, ' ').replace(/\u2212/g, '-');

/** A word each language's notices use in every subject, and only that language does. */
const subjectWord = {
  en: { license: /\blicense\b/i, account: /\baccount\b/i },
  fr: { license: /\blicence\b/i, account: /\bcompte\b/i },
  pl: { license: /\blicencj/i, account: /\bkont[oa]\b/i },
} as const;

describe('R20: every notice renders in en, fr and pl', () => {
  for (const locale of ['en', 'fr', 'pl'] as const) {
    for (const subjectType of subjectTypes) {
      for (const kind of noticeKinds) {
        it(`${locale} ${subjectType}.${kind}`, () => {
          const rendered = notice({ subjectType, kind, locale });
          expect(rendered.locale).toBe(locale);
          expect(rendered.subject.trim()).not.toBe('');
          expect(rendered.subject).not.toMatch(/[\r\n]/);
          expect(rendered.subject).toMatch(subjectWord[locale][subjectType]);
          for (const part of [rendered.subject, rendered.text, rendered.html]) {
            expect(part).not.toContain('{{');
            expect(part).not.toContain('}}');
            expect(part).toContain('ESET PROTECT');
          }
          expect(rendered.text).toContain('Acme Logistics');
          expect(rendered.text).toContain('support@secureit.example');
          expect(rendered.html).toContain(`<html lang="${locale}">`);
          // Every notice says when: a date with its time and zone.
          expect(plain(rendered.text)).toMatch(/2025 .*\d{1,2}(:| h )\d{2}( [AP]M)? (GMT|UTC|CES?T)/);
        });
      }
    }
  }

  it('R20: French and Polish notices are in French and Polish', () => {
    expect(notice({ locale: 'fr' }).text).toContain('période de grâce');
    expect(notice({ locale: 'fr' }).html).toContain('Bonjour');
    expect(notice({ locale: 'pl' }).text).toContain('okres karencji');
    expect(notice({ locale: 'pl' }).html).toContain('Dzień dobry');
    expect(notice({ locale: 'en' }).text).toContain('grace period');
  });
});

describe('R20: dates are in the partner’s time zone, written the recipient’s way', () => {
  it('R20: the same instant reads as Saturday 00:30 in Warsaw and Friday 19:30 in New York', () => {
    const warsaw = plain(notice({ locale: 'pl', kind: 'restored', timeZone: 'Europe/Warsaw' }).text);
    const newYork = plain(notice({ locale: 'pl', kind: 'restored', timeZone: 'America/New_York' }).text);
    expect(warsaw).toContain('sobota, 15 marca 2025 00:30 CET');
    expect(newYork).toContain('piątek, 14 marca 2025 19:30 GMT-4');

    expect(plain(notice({ locale: 'en', kind: 'restored', timeZone: 'America/New_York' }).text)).toContain(
      'Friday, March 14, 2025 at 7:30 PM EDT',
    );
    expect(plain(notice({ locale: 'fr', kind: 'restored', timeZone: 'Europe/Warsaw' }).text)).toContain(
      'samedi 15 mars 2025 à 00:30 UTC+1',
    );
  });

  it('R20: a date across the DST change shows the summer zone', () => {
    const text = plain(notice({ locale: 'pl', kind: 'deletion_warning', timeZone: 'Europe/Warsaw' }).text);
    expect(text).toContain('Data usunięcia: poniedziałek, 28 kwietnia 2025 01:30 CEST');
  });

  it('rejects a time zone that is not IANA, naming it', () => {
    expect(() => notice({ timeZone: 'Mars/Olympus' })).toThrow(/Mars\/Olympus/);
  });
});

describe('R20: each notice says what happens next and when', () => {
  it('R20: grace started says the license will be suspended in 14 days, on the date', () => {
    expect(plain(notice({ locale: 'en' }).text)).toContain(
      'What happens next: unless it is renewed, the license will be suspended in 14 days, on Saturday, March 29, 2025 at 12:30 AM GMT+1.',
    );
    expect(plain(notice({ locale: 'fr' }).text)).toContain(
      'Prochaine étape : sans renouvellement, la licence sera suspendue dans 14 jours, le samedi 29 mars 2025 à 00:30 UTC+1.',
    );
    expect(plain(notice({ locale: 'pl' }).text)).toContain(
      'Co dalej: jeśli licencja nie zostanie odnowiona, zostanie zawieszona za 14 dni. Data zawieszenia: sobota, 29 marca 2025 00:30 CET.',
    );
  });

  it('R15: an account in grace will be suspended in 14 days, in every language', () => {
    expect(notice({ subjectType: 'account', locale: 'en' }).subject).toBe(
      'ESET PROTECT account of Acme Logistics will be suspended in 14 days',
    );
    expect(notice({ subjectType: 'account', locale: 'fr' }).subject).toBe(
      'Le compte ESET PROTECT (Acme Logistics) sera suspendu dans 14 jours',
    );
    expect(notice({ subjectType: 'account', locale: 'pl' }).subject).toBe(
      'Konto ESET PROTECT firmy Acme Logistics zostanie zawieszone za 14 dni',
    );
  });

  it('R16/R17: a suspended account is inaccessible, users unprotected, data deleted for good on a date', () => {
    const text = plain(notice({ subjectType: 'account', kind: 'suspended', locale: 'en' }).text);
    expect(text).toContain('inaccessible and non-functional, and users are no longer protected');
    expect(text).toContain('deleted for good on Monday, April 28, 2025 at 1:30 AM GMT+2');
  });

  it('R20: expiring says how long is left and the expiry date', () => {
    const { subject, text } = notice({ kind: 'expiring', locale: 'en' });
    expect(subject).toBe('ESET PROTECT license for Acme Logistics expires in 7 days');
    expect(plain(text)).toContain('expires in 7 days, on Saturday, March 15, 2025 at 12:30 AM GMT+1');
  });

  it('R20: restored says until when the subject is active again', () => {
    expect(plain(notice({ kind: 'restored', locale: 'fr' }).text)).toContain(
      "la licence est désormais valable jusqu'au samedi 15 mars 2025 à 00:30 UTC+1",
    );
  });

  it('says how to renew: the partner, and the renew URL when there is one', () => {
    const withoutUrl = notice({ locale: 'en' });
    expect(withoutUrl.text).toContain('Contact SecureIT at support@secureit.example to renew.');
    expect(withoutUrl.text).not.toContain('renew online');

    const withUrl = notice({ locale: 'en', vars: { renewUrl: 'https://portal.example/renew?company=7&term=annual' } });
    expect(withUrl.text).toContain('You can also renew online: https://portal.example/renew?company=7&term=annual');
    expect(withUrl.html).toContain('<a href="https://portal.example/renew?company=7&amp;term=annual">renew online</a>');
  });

  it('names the partner alone when it has no contact address, in every language', () => {
    const without = (locale: string, kind: NoticeInput['kind']) => notice({ locale, kind, vars: { partnerEmail: undefined } });
    expect(without('en', 'grace_started').text).toContain('Contact SecureIT to renew.');
    expect(without('fr', 'grace_started').text).toContain('contactez SecureIT.');
    expect(without('pl', 'deleted').text).toContain('z firmą SecureIT.');
    expect(without('en', 'restored').html).not.toContain('mailto:');
  });

  it('leaves out optional details that were not given, without stray punctuation', () => {
    const { text } = notice({ subjectType: 'account', kind: 'expiring', vars: { accountName: undefined, grace: undefined } });
    expect(text).toContain('The license that covers the ESET PROTECT account of Acme Logistics expires in 7 days');
    expect(text).toContain('the account enters a grace period. Users stay protected');
    expect(text).not.toMatch(/\n{3}/);
  });
});

describe('HTML escaping', () => {
  const evil = notice({ vars: { companyName: '<Acme & Co>', accountName: '"><script>x</script>' }, subjectType: 'account' });

  it('escapes every value in the HTML body and title', () => {
    expect(evil.html).toContain('&lt;Acme &amp; Co&gt;');
    expect(evil.html).not.toContain('<Acme');
    expect(evil.html).not.toContain('<script>');
    expect(evil.html).toContain('&quot;&gt;&lt;script&gt;');
    expect(evil.html).toContain('<title>ESET PROTECT account of &lt;Acme &amp; Co&gt; will be suspended in 14 days</title>');
  });

  it('keeps the plain text and subject as written', () => {
    expect(evil.text).toContain('<Acme & Co>');
    expect(evil.subject).toBe('ESET PROTECT account of <Acme & Co> will be suspended in 14 days');
  });

  it('keeps a subject on one line whatever the company name holds', () => {
    expect(notice({ vars: { companyName: 'Acme\r\nBcc: x@evil.example' } }).subject).not.toMatch(/[\r\n]/);
  });

  it('refuses a renew URL that is not a web link', () => {
    expect(() => notice({ vars: { renewUrl: 'javascript:alert(1)' } })).toThrow(/renewUrl/);
  });
});

describe('R20: locale fallback', () => {
  it('R20: de-CH has no templates and falls back to English, with English dates', () => {
    const rendered = notice({ locale: 'de-CH' });
    expect(rendered.locale).toBe('en');
    expect(rendered.subject).toBe('ESET PROTECT license for Acme Logistics has expired: suspension in 14 days');
    expect(plain(rendered.text)).toContain('Saturday, March 29, 2025');
  });

  it('R20: fr-CA falls back to French and writes times the Canadian way', () => {
    const rendered = notice({ locale: 'fr-CA', timeZone: 'America/Toronto' });
    expect(rendered.locale).toBe('fr');
    expect(rendered.subject).toContain('suspension dans 14 jours');
    expect(plain(rendered.text)).toContain('le vendredi 28 mars 2025 à 19 h 30 HAE');
  });

  it('accepts case and underscore variants and survives a malformed tag', () => {
    expect(resolveNoticeLocale('PL')).toBe('pl');
    expect(resolveNoticeLocale('pl_PL')).toBe('pl');
    expect(resolveNoticeLocale('fr-Latn-CA')).toBe('fr');
    expect(resolveNoticeLocale('not a locale!')).toBe('en');
    expect(resolveNoticeLocale('')).toBe('en');
  });
});

describe('R20: durations in words, with each language’s plural forms', () => {
  /** Each ISO 8601 duration reads as its words in `locale`. */
  const expectInWords = (locale: string, words: Record<string, string>) => {
    for (const [duration, inWords] of Object.entries(words)) expect(humanizeDuration(duration, locale), duration).toBe(inWords);
  };

  it('R20: Polish picks one, few and many forms', () => {
    expectInWords('pl', { P1D: '1 dzień', P2D: '2 dni', P5D: '5 dni', PT22S: '22 sekundy', PT5S: '5 sekund', PT12S: '12 sekund', P2W: '2 tygodnie' });
  });

  it('R20: Polish durations read correctly after "za" (accusative)', () => {
    expect(notice({ locale: 'pl', vars: { grace: 'PT1S' } }).subject).toContain('zawieszenie za 1 sekundę');
    expect(notice({ locale: 'pl', vars: { grace: 'P1D' } }).subject).toContain('zawieszenie za 1 dzień');
    expect(notice({ locale: 'pl', vars: { grace: 'PT22S' } }).subject).toContain('zawieszenie za 22 sekundy');
  });

  it('R20: English and French', () => {
    expectInWords('en', { P14D: '14 days', P1D: '1 day', PT20S: '20 seconds' });
    expectInWords('fr', { P14D: '14 jours', PT20S: '20 secondes', PT1S: '1 seconde' });
    expectInWords('pl', { P14D: '14 dni', PT20S: '20 sekund' });
  });

  it('joins mixed units as a list in the language', () => {
    expectInWords('en', { P1DT12H: '1 day and 12 hours' });
    expectInWords('fr', { P1DT12H: '1 jour et 12 heures' });
    expectInWords('pl', { P1DT12H: '1 dzień i 12 godzin' });
  });

  it('counts seats the same way', () => {
    expect(notice({ locale: 'pl', vars: { seats: 1 } }).text).toContain('(1 stanowisko)');
    expect(notice({ locale: 'pl', vars: { seats: 3 } }).text).toContain('(3 stanowiska)');
    expect(notice({ locale: 'pl', vars: { seats: 25 } }).text).toContain('(25 stanowisk)');
    expect(notice({ locale: 'fr', vars: { seats: 1 } }).text).toContain('(1 poste)');
  });

  it('rejects a duration that is not ISO 8601, naming the variable', () => {
    expect(() => notice({ vars: { grace: '14 days' } })).toThrow(/vars\.grace/);
  });
});

describe('developer errors are thrown and name what is wrong', () => {
  it('a variable a template needs but the caller did not give', () => {
    expect(() => notice({ kind: 'grace_halfway', vars: { suspendsAt: undefined, graceEndsAt: undefined } })).toThrow(
      /license\.grace_halfway\.subject uses \{\{suspendsAt\}\}/,
    );
    expect(() => notice({ kind: 'expiring', vars: { offset: undefined } })).toThrow(NoticeRenderError);
  });

  it('graceEndsAt stands in for suspendsAt: grace ends at suspension', () => {
    const rendered = notice({ kind: 'grace_halfway', vars: { suspendsAt: undefined } });
    expect(plain(rendered.subject)).toContain('will be suspended on Saturday, March 29, 2025');
  });

  it('a timestamp that is not RFC 3339', () => {
    expect(() => notice({ vars: { suspendsAt: '28/03/2025' } })).toThrow(/vars\.suspendsAt/);
  });

  it('a kind without a template', () => {
    expect(() => notice({ kind: 'renewed' as never })).toThrow(/missing template en\.yaml: license\.renewed\.subject/);
  });

  describe('templates from another directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenure-templates-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const english = readFileSync(new URL('../../platform/notice/templates/en.yaml', import.meta.url), 'utf8');
    const rendererWith = (name: string, files: Record<string, string>) => {
      const sub = join(dir, name);
      rmSync(sub, { recursive: true, force: true });
      mkdirSync(sub, { recursive: true });
      for (const [file, source] of Object.entries(files)) writeFileSync(join(sub, file), source);
      return createNoticeRenderer(pathToFileURL(`${sub}/`));
    };
    const input: NoticeInput = { subjectType: 'license', kind: 'grace_started', locale: 'en', timeZone: 'UTC', vars };

    it('an unknown placeholder, with file, template and name', () => {
      const renderer = rendererWith('typo', {
        'en.yaml': english.replace('expires in {{offset}}"', 'expires in {{ofset}}"'),
      });
      expect(() => renderer.render(input)).toThrow('unknown placeholder {{ofset}} in en.yaml: license.expiring.subject');
    });

    it('adding a language is adding a file; a missing template names it', () => {
      const renderer = rendererWith('partial-de', {
        'en.yaml': english,
        'de.yaml': english.replace(/^license:[\s\S]*$/m, '').replace('lang="en"', 'lang="de"'),
      });
      expect(renderer.resolveLocale('de-AT')).toBe('de');
      expect(() => renderer.render({ ...input, locale: 'de-AT' })).toThrow('missing template de.yaml: license.grace_started.subject');
    });

    it('a plural form the language needs (Polish has few and many)', () => {
      const renderer = rendererWith('plural', { 'en.yaml': english, 'pl.yaml': english });
      expect(() => renderer.render(input)).toThrow('pl.yaml: missing plural form units.years.few');
    });
  });
});
