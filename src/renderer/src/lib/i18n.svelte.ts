/* eslint-disable svelte/prefer-svelte-reactivity -- the Maps are private caches of compiled formats, not state. */
/**
 * Translations (English and Simplified Chinese) with ICU messages, and locale-aware dates.
 * `t()` and the date helpers read `locale`, so templates that use them update when it changes.
 */
import { getContext, setContext } from 'svelte'
import { IntlMessageFormat } from 'intl-messageformat'
import type { Language } from '../../../shared/ipc/contract'
import { en, type MessageKey } from '../i18n/en'
import { zhCN } from '../i18n/zh-CN'

export type { MessageKey }
export type Locale = 'en' | 'zh-CN'
export type MessageValues = Record<string, string | number>

export const CATALOGS: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN }

/** The UI language: the setting, or for 'system' the first system locale we have (Chinese or English). */
export function resolveLocale(setting: Language, systemLocales: readonly string[]): Locale {
  if (setting !== 'system') return setting
  for (const tag of systemLocales) {
    const lower = tag.toLowerCase()
    if (lower.startsWith('zh')) return 'zh-CN'
    if (lower.startsWith('en')) return 'en'
  }
  return 'en'
}

const DAY_MS = 86_400_000

function startOfDay(ms: number): number {
  const d = new Date(ms)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}

/** A locale tag Intl can format with (an OS may report tags Intl refuses, like `en_US` or `C`). */
function formattable(tag: string): boolean {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0
  } catch {
    return false
  }
}

/**
 * The locale for dates, times and sorting: the user's system locale of the UI's language (en-GB
 * keeps 24 h); else, when the UI follows the system, their first system locale (a German system
 * shows German dates in the English UI it falls back to); else the UI language itself (Chinese
 * chosen on an English system gets Chinese dates and pinyin order).
 */
export function formatLocaleFor(locale: Locale, systemLocales: readonly string[], chosen = false): string {
  const prefix = locale === 'zh-CN' ? 'zh' : 'en'
  const usable = systemLocales.filter(formattable)
  return usable.find((l) => l.toLowerCase().startsWith(prefix)) ?? (chosen ? undefined : usable[0]) ?? locale
}

export class I18n {
  locale = $state<Locale>('en')
  /** Locale for dates, times, numbers and sorting (see `formatLocaleFor`). */
  formatLocale = $state<string>('en')
  #messages = new Map<string, IntlMessageFormat>()
  #dates = new Map<string, Intl.DateTimeFormat>()

  /** `chosen`: the user picked the language in settings (not "follow the system"). */
  setLocale(locale: Locale, systemLocales: readonly string[] = [], chosen = false): void {
    this.locale = locale
    this.formatLocale = formatLocaleFor(locale, systemLocales, chosen)
  }

  t = (key: MessageKey, values?: MessageValues): string => {
    const locale = this.locale
    const source = CATALOGS[locale][key] ?? en[key]
    if (values === undefined && !source.includes('{') && !source.includes("'")) return source
    const cacheKey = `${locale}\u0000${key}`
    let format = this.#messages.get(cacheKey)
    if (!format) {
      format = new IntlMessageFormat(source, locale, undefined, { ignoreTag: true })
      this.#messages.set(cacheKey, format)
    }
    return String(format.format(values))
  }

  #date(options: Intl.DateTimeFormatOptions, id: string): Intl.DateTimeFormat {
    const locale = this.formatLocale
    const key = `${locale}\u0000${id}`
    let f = this.#dates.get(key)
    if (!f) {
      f = new Intl.DateTimeFormat(locale, options)
      this.#dates.set(key, f)
    }
    return f
  }

  /** 14:05 */
  time = (at: number): string => this.#date({ timeStyle: 'short' }, 'time').format(at)

  /** Full date and time (certificate validity, tooltips). */
  dateTime = (at: number): string => this.#date({ dateStyle: 'medium', timeStyle: 'short' }, 'dateTime').format(at)

  /** Conversation list: the time today, the weekday within the last week, the date otherwise. */
  stamp = (at: number, now: number = Date.now()): string => {
    const today = startOfDay(now)
    if (at >= today) return this.time(at)
    if (at >= today - 6 * DAY_MS) return this.#date({ weekday: 'short' }, 'weekday').format(at)
    const sameYear = new Date(at).getFullYear() === new Date(now).getFullYear()
    return sameYear
      ? this.#date({ month: 'short', day: 'numeric' }, 'monthDay').format(at)
      : this.#date({ year: 'numeric', month: 'short', day: 'numeric' }, 'date').format(at)
  }

  /** Day separators in a chat: Today, Yesterday, the weekday within a week, the full date otherwise. */
  day = (at: number, now: number = Date.now()): string => {
    const today = startOfDay(now)
    if (at >= today) return this.t('time.today')
    if (at >= today - DAY_MS) return this.t('time.yesterday')
    if (at >= today - 6 * DAY_MS) return this.#date({ weekday: 'long' }, 'weekdayLong').format(at)
    return this.#date({ dateStyle: 'long' }, 'dateLong').format(at)
  }
}

const KEY = Symbol('i18n')
export const I18N_KEY = KEY
export const setI18nContext = (i18n: I18n): I18n => setContext(KEY, i18n)
export function getI18nContext(): I18n {
  const i18n = getContext<I18n | undefined>(KEY)
  if (!i18n) throw new Error('I18n not found: render inside the App (or pass it in the test context)')
  return i18n
}

export { startOfDay }
