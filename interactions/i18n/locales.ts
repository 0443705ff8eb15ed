// The languages of the pages: one catalogue each (en.ts, fr.ts, ar.ts), the choice of one for a
// request, and the translator the views call. The choice: the OIDC `ui_locales` parameter of the
// sign-in request when it names a language we have (OIDC Core §3.1.2.1: the app's wish, in order of
// preference), else the browser's `Accept-Language` (by its q-values), else English. A catalogue
// that lacks a key (ar.ts covers the sign-in page) shows that string in English.
import { ar } from './ar.ts';
import { en } from './en.ts';
import { fr } from './fr.ts';

/** A string of the pages, by key. */
export type MessageKey = keyof typeof en;
/** A complete catalogue: a string for every key. */
export type Catalogue = { readonly [K in MessageKey]: string };

/** A value put into a message: text, a number, or a duration said in the page's language. */
export type Value = string | number | { seconds: number };
/**
 * Something a page says: a key, a key with values for its placeholders, several said one after
 * the other, or (`raw`) words that come from elsewhere and are shown as they are.
 */
export type Text =
  | MessageKey
  | { key: MessageKey; values?: Record<string, Value> }
  | { raw: string }
  | readonly Text[];

export type Locale = 'en' | 'fr' | 'ar';

/** The languages there are catalogues for, with their direction. */
export const LOCALES: Readonly<
  Record<Locale, { catalogue: Partial<Catalogue>; dir: 'ltr' | 'rtl'; complete: boolean }>
> = {
  en: { catalogue: en, dir: 'ltr', complete: true },
  fr: { catalogue: fr, dir: 'ltr', complete: true },
  ar: { catalogue: ar, dir: 'rtl', complete: false },
};

const isLocale = (tag: string): tag is Locale => Object.hasOwn(LOCALES, tag);

// The language of a BCP 47 tag (`fr-CA` → `fr`), lower-cased.
const primary = (tag: string) => tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';

/**
 * The language of a page: the first of `uiLocales` (space-separated tags) we have, else the best
 * of `acceptLanguage` we have, else English.
 */
export function chooseLocale(uiLocales: unknown, acceptLanguage: string | undefined): Locale {
  if (typeof uiLocales === 'string') {
    for (const tag of uiLocales.split(' ').slice(0, 20)) {
      const language = primary(tag);
      if (isLocale(language)) return language;
    }
  }
  const wanted = (acceptLanguage ?? '')
    .slice(0, 1000)
    .split(',')
    .slice(0, 30)
    .map((entry, index) => {
      const [tag = '', ...params] = entry.split(';');
      const q = params
        .map((param) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(param)?.[1])
        .find(Boolean);
      return { language: primary(tag), q: q === undefined ? 1 : Number(q), index };
    })
    .filter(({ q, language }) => q > 0 && isLocale(language))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return (wanted[0]?.language as Locale | undefined) ?? 'en';
}

/** What the views of one language use. */
export interface Translator {
  locale: Locale;
  dir: 'ltr' | 'rtl';
  /** `text` in this language, placeholders filled in (not escaped: the views escape it). */
  t: (text: Text, values?: Record<string, Value>) => string;
  /**
   * `key` cut into the text around its placeholders, each placeholder's part marked, so that a view
   * can set the values (a name, an address) in bold.
   */
  parts: (key: MessageKey, values: Record<string, Value>) => { text: string; value: boolean }[];
}

const isList = (text: Text): text is readonly Text[] => Array.isArray(text);

/** The translator of `locale`; `{brand}` is filled in with `brand` everywhere. */
export function translator(locale: Locale, brand: string): Translator {
  const { catalogue, dir } = LOCALES[locale];
  const lookup = (key: string): string =>
    (catalogue as Record<string, string | undefined>)[key] ??
    (en as Record<string, string | undefined>)[key] ??
    key;
  const plurals = new Intl.PluralRules(locale);
  const say = (value: Value): string => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return value.toLocaleString(locale);
    const { seconds } = value;
    const [unit, n] =
      seconds < 60
        ? ['seconds', seconds]
        : seconds < 3600
          ? ['minutes', Math.ceil(seconds / 60)]
          : ['hours', Math.ceil(seconds / 3600)];
    const form = `time.${unit}.${plurals.select(n)}`;
    const template =
      (catalogue as Record<string, string | undefined>)[form] ?? lookup(`time.${unit}.other`);
    return template.replace('{n}', n.toLocaleString(locale));
  };
  const fill = (template: string, values: Record<string, Value>) =>
    template.replace(/\{(\w+)\}/g, (whole, name: string) =>
      name === 'brand' ? brand : Object.hasOwn(values, name) ? say(values[name]!) : whole,
    );
  const t = (text: Text, values: Record<string, Value> = {}): string => {
    if (typeof text === 'string') return fill(lookup(text), values);
    if (isList(text)) return text.map((each) => t(each)).join(' ');
    if ('raw' in text) return text.raw;
    return fill(lookup(text.key), text.values ?? {});
  };
  const parts = (key: MessageKey, values: Record<string, Value>) =>
    lookup(key)
      .split(/(\{\w+\})/)
      .filter(Boolean)
      .map((piece) => {
        const name = /^\{(\w+)\}$/.exec(piece)?.[1];
        if (name === 'brand') return { text: brand, value: false };
        if (name !== undefined && Object.hasOwn(values, name)) {
          return { text: say(values[name]!), value: true };
        }
        return { text: piece, value: false };
      });
  return { locale, dir, t, parts };
}
