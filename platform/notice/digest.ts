// Renders a periodic summary (seed 001) in the company's language from ./digest-templates/*.yaml:
// text for e-mail and ConnectWise ticket notes, and HTML for e-mail. Beside the notice renderer,
// not inside it: a digest is lists of lines, where a notice is one message.
import { readdirSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { SummaryFacts } from '../../machines/billing/summary-facts.js';

export interface RenderedDigest {
  /** The template locale used after fallback (`fr-CA` → `fr`, `de` → `en`). */
  locale: string;
  subject: string;
  text: string;
  html: string;
}

const sections = ['usage', 'events', 'expiringSoon', 'inGrace', 'suspended', 'accountsInTrouble'] as const;
type Section = (typeof sections)[number];

interface DigestCatalogue {
  subject: Record<SummaryFacts['frequency'], string>;
  greeting: string;
  intro: string;
  sections: Record<Section, string>;
  lines: Record<Section, string>;
  nothing: string;
  states: Record<string, string>;
  events: Record<string, string>;
  closing: string;
}

const FALLBACK = 'en';
const templatesDir = new URL('./digest-templates/', import.meta.url);
let catalogues: Map<string, DigestCatalogue> | undefined;

function load(): Map<string, DigestCatalogue> {
  catalogues ??= new Map(
    readdirSync(templatesDir)
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => [name.slice(0, -'.yaml'.length), parseYaml(readFileSync(new URL(name, templatesDir), 'utf8')) as DigestCatalogue]),
  );
  return catalogues;
}

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{([A-Za-z]+)\}\}/g, (_match, name: string) => {
    if (!(name in values)) throw new Error(`digest template uses {{${name}}}, which it is not given`);
    return String(values[name]);
  });
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** The lines of one section, each a template filled with one item's values. */
function sectionLines(facts: SummaryFacts, catalogue: DigestCatalogue, section: Section, date: (instant: number) => string): string[] {
  const template = catalogue.lines[section];
  switch (section) {
    case 'usage':
      return facts.usage.map((line) => fill(template, line));
    case 'events':
      return facts.events.map(({ action, count }) => fill(template, { label: catalogue.events[action.split('.')[1] ?? ''] ?? action, count }));
    case 'accountsInTrouble':
      return facts.accountsInTrouble.map((account) => fill(template, { ...account, state: catalogue.states[account.state] ?? account.state }));
    default:
      return facts[section].map((license) => fill(template, { product: license.product, date: date(license.expiresAt) }));
  }
}

export function renderDigest(facts: SummaryFacts, requestedLocale: string, timeZone: string): RenderedDigest {
  const all = load();
  const language = requestedLocale.toLowerCase().split('-')[0]!;
  const locale = all.has(language) ? language : FALLBACK;
  const catalogue = all.get(locale)!;
  const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone });
  const date = (instant: number) => dateFormat.format(instant);
  const values = { companyName: facts.companyName, from: date(facts.from), to: date(facts.to) };

  const filled = sections
    .map((section) => ({ title: catalogue.sections[section], lines: sectionLines(facts, catalogue, section, date) }))
    .filter((section) => section.lines.length > 0);
  const subject = fill(catalogue.subject[facts.frequency], values);
  const intro = fill(catalogue.intro, values);
  const body = filled.length === 0 ? [catalogue.nothing] : filled.map((section) => [section.title, ...section.lines.map((line) => `- ${line}`)].join('\n'));
  const text = [catalogue.greeting, intro, ...body, `${catalogue.closing}\n${facts.partnerName}`].join('\n\n') + '\n';
  const htmlSections =
    filled.length === 0
      ? `<p>${escapeHtml(catalogue.nothing)}</p>`
      : filled.map((section) => `<h2>${escapeHtml(section.title)}</h2><ul>${section.lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`).join('\n');
  const html = [
    `<!DOCTYPE html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    `<p>${escapeHtml(catalogue.greeting)}</p><p>${escapeHtml(intro)}</p>`,
    htmlSections,
    `<p>${escapeHtml(catalogue.closing)}<br>${escapeHtml(facts.partnerName)}</p></body></html>`,
  ].join('\n');
  return { locale, subject, text, html };
}
