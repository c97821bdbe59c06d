// Which locales a company may have: tags Tenure can render notices in, stored in canonical form.
//
// Accepted: a BCP 47 tag of a language, an optional script and an optional region (`en`,
// `fr-CA`, `sr-Latn-RS`), each a subtag ICU knows. Refused: unknown languages (`zz`), variants,
// extensions and private use (`de-CH-1996`, `en-u-ca-buddhist`, `x-private`), which Tenure
// would store but never honour. Rendering then falls back (platform/notice/render.ts): the
// text is in the tag's language where a template exists (en, fr, pl; `fr-CA` → fr), otherwise
// in English; dates and numbers follow the whole tag only when the text is in its language.

/** Language, optional script, optional region: the shape of tag this file accepts. */
export const LOCALE_SHAPE = /^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?$/;

const languages = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
const scripts = new Intl.DisplayNames(['en'], { type: 'script', fallback: 'none' });
const regions = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
/** ICU names these too, but they are the codes for "unknown": nothing to render by. */
const UNKNOWN = new Set(['Zzzz', 'ZZ']);

/** The tag in canonical case (`FR-ca` → `fr-CA`), or undefined when ICU does not know a subtag of it. */
export function renderableLocale(tag: string): string | undefined {
  if (!LOCALE_SHAPE.test(tag)) return undefined;
  try {
    const locale = new Intl.Locale(tag);
    const known =
      !UNKNOWN.has(locale.script ?? '') &&
      !UNKNOWN.has(locale.region ?? '') &&
      languages.of(locale.language) !== undefined &&
      (locale.script === undefined || scripts.of(locale.script) !== undefined) &&
      (locale.region === undefined || regions.of(locale.region) !== undefined);
    return known ? locale.toString() : undefined;
  } catch {
    return undefined;
  }
}
