// Renders a lifecycle notice (R20) from the per-locale templates in ./templates/*.yaml.
// Pure apart from reading the template files once: no network, no SMTP.
import { readdirSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseDuration, type Duration } from '../../machines/lifecycle/duration.js';

export const subjectTypes = ['license', 'account'] as const;
export type SubjectType = (typeof subjectTypes)[number];

/** The same names as the lifecycle events (`license.grace_started`), see STYLE.md. */
export const noticeKinds = [
  'expiring',
  'grace_started',
  'grace_halfway',
  'suspended',
  'deletion_warning',
  'deleted',
  'restored',
] as const;
export type NoticeKind = (typeof noticeKinds)[number];

export interface NoticeVars {
  companyName: string;
  product: string;
  partnerName: string;
  /** The partner's contact address; without it the notice names the partner only. */
  partnerEmail?: string;
  seats?: number;
  accountName?: string;
  /** http(s) page where the company can renew; without it the notice says whom to contact. */
  renewUrl?: string;
  /** ISO 8601 duration: time left before expiry (`expiring`). */
  offset?: string;
  /** ISO 8601 duration: length of the grace period. */
  grace?: string;
  /** RFC 3339 instants. */
  expiresAt?: string;
  graceEndsAt?: string;
  suspendsAt?: string;
  deletesAt?: string;
}

export interface NoticeInput {
  subjectType: SubjectType;
  kind: NoticeKind;
  /** The company's locale (BCP 47), e.g. `fr-CA`. */
  locale: string;
  /** The partner's IANA time zone, e.g. `Europe/Warsaw`. */
  timeZone: string;
  vars: NoticeVars;
}

export interface RenderedNotice {
  /** The template locale used after fallback (`fr-CA` → `fr`, `de-CH` → `en`). */
  locale: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * A template or input a developer got wrong: unknown placeholder, missing template,
 * missing or malformed variable. No retry can fix it.
 */
export class NoticeRenderError extends Error {
  override name = 'NoticeRenderError';
}

export const defaultNoticeLocale = 'en';

const durationFields = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'] as const;
const dateVars = ['expiresAt', 'graceEndsAt', 'suspendsAt', 'deletesAt'] as const;
const durationVars = ['offset', 'grace'] as const;
/** Every name a notice template may use. */
const varNames: ReadonlySet<string> = new Set([
  'companyName',
  'product',
  'partnerName',
  'partnerEmail',
  'seats',
  'accountName',
  'renewUrl',
  ...durationVars,
  ...dateVars,
]);
/** The layout also gets the rendered subject and the notice's content. */
const layoutNames: ReadonlySet<string> = new Set([...varNames, 'subject', 'content']);
const unitNames = [...durationFields, 'seats'] as const;
type UnitName = (typeof unitNames)[number];

// ---------------------------------------------------------------------------
// Templates: `{{name}}`, `{{#name}}…{{/name}}` (only when name has a value),
// `{{^name}}…{{/name}}` (only when it has none), `{{>partial}}`.

type Node =
  | { type: 'text'; text: string }
  | { type: 'var'; name: string }
  | { type: 'section'; name: string; inverted: boolean; children: Node[] }
  | { type: 'partial'; name: string };

interface Compiled {
  where: string;
  nodes: Node[];
}

const TAG = /\{\{([#^/>]?)([^{}]*)\}\}/g;
const NAME = /^[A-Za-z][A-Za-z0-9]*$/;

function compile(source: string, where: string, names: ReadonlySet<string>, partials: ReadonlySet<string> | undefined): Compiled {
  const root: Node[] = [];
  const open: { name: string; children: Node[] }[] = [];
  let children = root;
  let last = 0;
  const pushText = (text: string) => {
    if (text.includes('{{') || text.includes('}}')) {
      throw new NoticeRenderError(`malformed placeholder in ${where}: ${JSON.stringify(text.trim())}`);
    }
    if (text) children.push({ type: 'text', text });
  };
  for (const match of source.matchAll(TAG)) {
    pushText(source.slice(last, match.index));
    last = match.index + match[0].length;
    const sigil = match[1] ?? '';
    const name = match[2] ?? '';
    if (!NAME.test(name)) throw new NoticeRenderError(`malformed placeholder ${match[0]} in ${where}`);
    if (sigil === '>') {
      if (!partials) throw new NoticeRenderError(`partial {{>${name}}} not allowed in ${where}`);
      if (!partials.has(name)) throw new NoticeRenderError(`unknown partial {{>${name}}} in ${where}`);
      children.push({ type: 'partial', name });
      continue;
    }
    if (!names.has(name)) throw new NoticeRenderError(`unknown placeholder ${match[0]} in ${where}`);
    if (sigil === '#' || sigil === '^') {
      const section: Node = { type: 'section', name, inverted: sigil === '^', children: [] };
      children.push(section);
      open.push({ name, children });
      children = section.children;
    } else if (sigil === '/') {
      const closing = open.pop();
      if (closing?.name !== name) throw new NoticeRenderError(`unexpected {{/${name}}} in ${where}`);
      children = closing.children;
    } else {
      children.push({ type: 'var', name });
    }
  }
  pushText(source.slice(last));
  const unclosed = open.pop();
  if (unclosed) throw new NoticeRenderError(`unclosed {{#${unclosed.name}}} in ${where}`);
  return { where, nodes: root };
}

interface Scope {
  values: ReadonlyMap<string, string>;
  /** Values inserted as they are even in HTML (the layout's content). */
  raw: ReadonlySet<string>;
  html: boolean;
  partials: ReadonlyMap<string, Compiled>;
}

function renderNodes(nodes: Node[], scope: Scope, where: string): string {
  let out = '';
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
        out += node.text;
        break;
      case 'var': {
        const value = scope.values.get(node.name);
        if (value === undefined) {
          throw new NoticeRenderError(`${where} uses {{${node.name}}} but vars.${node.name} was not given`);
        }
        out += scope.html && !scope.raw.has(node.name) ? escapeHtml(value) : value;
        break;
      }
      case 'section':
        if (scope.values.has(node.name) !== node.inverted) out += renderNodes(node.children, scope, where);
        break;
      case 'partial': {
        const partial = scope.partials.get(node.name);
        if (!partial) throw new NoticeRenderError(`missing partial ${node.name} in ${where}`);
        out += renderNodes(partial.nodes, scope, partial.where);
        break;
      }
    }
  }
  return out;
}

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => htmlEntities[char] ?? char);
}

// ---------------------------------------------------------------------------
// Catalogue: one YAML file per locale, loaded once per renderer.

interface Format {
  text: Compiled;
  html: Compiled;
}

interface LocaleCatalogue {
  locale: string;
  units: Record<UnitName, Partial<Record<Intl.LDMLPluralRule, string>>>;
  layout: Format;
  partials: { text: Map<string, Compiled>; html: Map<string, Compiled> };
  /** Keyed `license.expiring.subject`; missing keys are reported when used. */
  templates: Map<string, Compiled>;
}

type Catalogue = Map<string, LocaleCatalogue>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringAt(record: Record<string, unknown>, key: string, where: string): string {
  const value = record[key];
  if (typeof value !== 'string') throw new NoticeRenderError(`missing template ${where}.${key}`);
  return value;
}

function loadLocale(file: string, source: string): LocaleCatalogue {
  const locale = canonicalLocale(file.replace(/\.yaml$/, ''));
  if (!locale) throw new NoticeRenderError(`${file}: file name is not a BCP 47 locale`);
  const data: unknown = parseYaml(source);
  if (!isRecord(data)) throw new NoticeRenderError(`${file}: expected a mapping`);

  const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
  const unitsData = data.units;
  if (!isRecord(unitsData)) throw new NoticeRenderError(`${file}: missing units`);
  const units = {} as LocaleCatalogue['units'];
  for (const unit of unitNames) {
    const forms = unitsData[unit];
    if (!isRecord(forms)) throw new NoticeRenderError(`${file}: missing units.${unit}`);
    for (const category of categories) {
      if (typeof forms[category] !== 'string') {
        throw new NoticeRenderError(`${file}: missing plural form units.${unit}.${category}`);
      }
    }
    units[unit] = forms as Partial<Record<Intl.LDMLPluralRule, string>>;
  }

  const partialsData = isRecord(data.partials) ? data.partials : {};
  const partialNames = new Set(Object.keys(partialsData));
  const partials = { text: new Map<string, Compiled>(), html: new Map<string, Compiled>() };
  for (const [name, partial] of Object.entries(partialsData)) {
    const where = `${file}: partials.${name}`;
    if (!isRecord(partial)) throw new NoticeRenderError(`missing template ${where}`);
    partials.text.set(name, compile(stringAt(partial, 'text', where), `${where}.text`, varNames, undefined));
    partials.html.set(name, compile(stringAt(partial, 'html', where), `${where}.html`, varNames, undefined));
  }

  if (!isRecord(data.layout)) throw new NoticeRenderError(`missing template ${file}: layout`);
  const layout: Format = {
    text: compile(stringAt(data.layout, 'text', `${file}: layout`), `${file}: layout.text`, layoutNames, partialNames),
    html: compile(stringAt(data.layout, 'html', `${file}: layout`), `${file}: layout.html`, layoutNames, partialNames),
  };

  // Every template present is compiled now, so a typo fails on first use of any notice.
  const templates = new Map<string, Compiled>();
  for (const subjectType of subjectTypes) {
    const kinds = data[subjectType];
    if (!isRecord(kinds)) continue;
    for (const [kind, parts] of Object.entries(kinds)) {
      if (!isRecord(parts)) continue;
      for (const [part, source] of Object.entries(parts)) {
        const key = `${subjectType}.${kind}.${part}`;
        if (typeof source !== 'string') throw new NoticeRenderError(`${file}: ${key} must be a string`);
        const allowedPartials = part === 'subject' ? undefined : partialNames;
        templates.set(key, compile(source, `${file}: ${key}`, varNames, allowedPartials));
      }
    }
  }
  return { locale, units, layout, partials, templates };
}

function loadCatalogue(dir: URL): Catalogue {
  const catalogue: Catalogue = new Map();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml')).sort()) {
    const entry = loadLocale(file, readFileSync(new URL(file, dir), 'utf8'));
    catalogue.set(entry.locale.toLowerCase(), entry);
  }
  if (!catalogue.has(defaultNoticeLocale)) {
    throw new NoticeRenderError(`no ${defaultNoticeLocale}.yaml in ${dir.pathname}: it is the fallback locale`);
  }
  return catalogue;
}

// ---------------------------------------------------------------------------
// Locales, dates and durations.

function canonicalLocale(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag.trim().replace(/_/g, '-'))[0];
  } catch {
    return undefined;
  }
}

/** `fr-CA` → `fr-CA` if there is such a file, else `fr`, else `en`. */
function resolve(catalogue: Catalogue, requested: string): { entry: LocaleCatalogue; formatLocale: string } {
  const canonical = canonicalLocale(requested);
  const subtags = canonical?.split('-') ?? [];
  for (let length = subtags.length; length > 0; length--) {
    const entry = catalogue.get(subtags.slice(0, length).join('-').toLowerCase());
    // Dates and numbers follow the recipient's own variant (fr-CA writes "10 h 00")
    // whenever the text is in their language; otherwise the text's locale, so a
    // fallback English notice does not carry German dates.
    if (entry) return { entry, formatLocale: canonical ?? entry.locale };
  }
  const fallback = catalogue.get(defaultNoticeLocale);
  if (!fallback) throw new NoticeRenderError(`missing fallback locale ${defaultNoticeLocale}`);
  return { entry: fallback, formatLocale: fallback.locale };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An Intl formatter costs far more to build than to use: one per locale and options, kept (a mass expiry renders thousands). */
const formatters = new Map<string, Intl.DateTimeFormat | Intl.PluralRules | Intl.NumberFormat | Intl.ListFormat>();
function formatter<T extends Intl.DateTimeFormat | Intl.PluralRules | Intl.NumberFormat | Intl.ListFormat>(key: string, build: () => T): T {
  let kept = formatters.get(key) as T | undefined;
  if (!kept) {
    kept = build();
    formatters.set(key, kept);
  }
  return kept;
}

function dateFormat(locale: string, timeZone: string): Intl.DateTimeFormat {
  try {
    return formatter(`date ${locale} ${timeZone}`, () => new Intl.DateTimeFormat(locale, {
      weekday: 'long',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZoneName: 'short',
      timeZone,
    }));
  } catch (error) {
    throw new NoticeRenderError(`timeZone ${JSON.stringify(timeZone)} is not an IANA time zone`, { cause: error });
  }
}

function formatCount(entry: LocaleCatalogue, formatLocale: string, unit: UnitName, count: number): string {
  const category = formatter(`plural ${entry.locale}`, () => new Intl.PluralRules(entry.locale)).select(count);
  const forms = entry.units[unit];
  const word = forms[category] ?? forms.other;
  if (word === undefined) throw new NoticeRenderError(`${entry.locale}.yaml: missing plural form units.${unit}.${category}`);
  return `${formatter(`number ${formatLocale}`, () => new Intl.NumberFormat(formatLocale)).format(count)} ${word}`;
}

function humanize(entry: LocaleCatalogue, formatLocale: string, duration: Duration): string {
  const parts = durationFields
    .filter((field) => duration[field] !== 0)
    .map((field) => formatCount(entry, formatLocale, field, duration[field]));
  if (parts.length === 0) return formatCount(entry, formatLocale, 'seconds', 0);
  return formatter(`list ${formatLocale}`, () => new Intl.ListFormat(formatLocale, { type: 'conjunction' })).format(parts);
}

function parseIsoDuration(name: string, text: string): Duration {
  const duration = parseDuration(text);
  if (!duration) throw new NoticeRenderError(`vars.${name} is not an ISO 8601 duration: ${JSON.stringify(text)}`);
  return duration;
}

/** The values templates see: dates formatted, durations humanized, blanks left out. */
function templateValues(vars: NoticeVars, entry: LocaleCatalogue, formatLocale: string, timeZone: string): Map<string, string> {
  const values = new Map<string, string>();
  const dates = dateFormat(formatLocale, timeZone);
  for (const name of ['companyName', 'product', 'partnerName', 'partnerEmail', 'accountName'] as const) {
    const value = vars[name];
    if (value !== undefined && value.trim() !== '') values.set(name, value);
  }
  if (vars.renewUrl !== undefined && vars.renewUrl.trim() !== '') {
    // The URL becomes an href: only web links, never javascript: or data:.
    const url = URL.canParse(vars.renewUrl) ? new URL(vars.renewUrl) : undefined;
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new NoticeRenderError(`vars.renewUrl must be an http(s) URL: ${JSON.stringify(vars.renewUrl)}`);
    }
    values.set('renewUrl', vars.renewUrl);
  }
  if (vars.seats !== undefined) {
    if (!Number.isInteger(vars.seats) || vars.seats < 0) {
      throw new NoticeRenderError(`vars.seats must be a whole number ≥ 0: ${vars.seats}`);
    }
    values.set('seats', formatCount(entry, formatLocale, 'seats', vars.seats));
  }
  for (const name of durationVars) {
    const value = vars[name];
    if (value !== undefined) values.set(name, humanize(entry, formatLocale, parseIsoDuration(name, value)));
  }
  // Grace ends at suspension (R11, R16): either name gives the other.
  const instants: Record<(typeof dateVars)[number], string | undefined> = {
    expiresAt: vars.expiresAt,
    graceEndsAt: vars.graceEndsAt ?? vars.suspendsAt,
    suspendsAt: vars.suspendsAt ?? vars.graceEndsAt,
    deletesAt: vars.deletesAt,
  };
  for (const name of dateVars) {
    const value = instants[name];
    if (value === undefined) continue;
    const at = Date.parse(value);
    if (!RFC3339.test(value) || Number.isNaN(at)) {
      throw new NoticeRenderError(`vars.${name} is not an RFC 3339 timestamp: ${JSON.stringify(value)}`);
    }
    values.set(name, dates.format(at));
  }
  return values;
}

// ---------------------------------------------------------------------------

export interface NoticeRenderer {
  render(input: NoticeInput): RenderedNotice;
  /** The template locale a company locale resolves to. */
  resolveLocale(locale: string): string;
  /** An ISO 8601 duration in words, e.g. `P14D` → "14 jours" for `fr`. */
  humanizeDuration(duration: string, locale: string): string;
}

/** A renderer over one directory of `<locale>.yaml` files, read on first use and kept. */
export function createNoticeRenderer(templatesDir: URL): NoticeRenderer {
  let catalogue: Catalogue | undefined;
  const load = () => (catalogue ??= loadCatalogue(templatesDir));

  const render = ({ subjectType, kind, locale, timeZone, vars }: NoticeInput): RenderedNotice => {
    const { entry, formatLocale } = resolve(load(), locale);
    const file = `${entry.locale}.yaml`;
    const template = (part: 'subject' | 'text' | 'html') => {
      const key = `${subjectType}.${kind}.${part}`;
      const compiled = entry.templates.get(key);
      if (!compiled) throw new NoticeRenderError(`missing template ${file}: ${key}`);
      return compiled;
    };
    const values = templateValues(vars, entry, formatLocale, timeZone);
    const scope = (html: boolean): Scope => ({
      values,
      raw: new Set(),
      html,
      partials: html ? entry.partials.html : entry.partials.text,
    });
    const subjectTemplate = template('subject');
    // A subject is one header line, whatever the company name holds.
    const subject = renderNodes(subjectTemplate.nodes, scope(false), subjectTemplate.where).replace(/\s+/g, ' ').trim();
    if (!subject) throw new NoticeRenderError(`${subjectTemplate.where} renders empty`);

    const textTemplate = template('text');
    const htmlTemplate = template('html');
    const textContent = tidyText(renderNodes(textTemplate.nodes, scope(false), textTemplate.where));
    const htmlContent = renderNodes(htmlTemplate.nodes, scope(true), htmlTemplate.where).trim();

    const layoutValues = new Map(values).set('subject', subject);
    const text = tidyText(
      renderNodes(entry.layout.text.nodes, { ...scope(false), values: new Map(layoutValues).set('content', textContent) }, entry.layout.text.where),
    );
    const html = renderNodes(
      entry.layout.html.nodes,
      { ...scope(true), values: new Map(layoutValues).set('content', htmlContent), raw: new Set(['content']) },
      entry.layout.html.where,
    ).trim();
    return { locale: entry.locale, subject, text: `${text}\n`, html: `${html}\n` };
  };

  return {
    render,
    resolveLocale: (locale) => resolve(load(), locale).entry.locale,
    humanizeDuration: (duration, locale) => {
      const { entry, formatLocale } = resolve(load(), locale);
      return humanize(entry, formatLocale, parseIsoDuration('duration', duration));
    },
  };
}

/** Optional sections leave blank lines and trailing spaces behind; plain text should not show them. */
function tidyText(text: string): string {
  return text
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const bundled = createNoticeRenderer(new URL('./templates/', import.meta.url));

/** Renders one notice in the company's locale and the partner's time zone (R20). */
export function renderNotice(input: NoticeInput): RenderedNotice {
  return bundled.render(input);
}

export function resolveNoticeLocale(locale: string): string {
  return bundled.resolveLocale(locale);
}

export function humanizeDuration(duration: string, locale: string): string {
  return bundled.humanizeDuration(duration, locale);
}
