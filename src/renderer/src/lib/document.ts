import type { Theme } from '../../../shared/ipc/contract'
import type { Locale } from './i18n.svelte'

/** Reflects the language and theme on <html>: `lang` for screen readers and fonts, `data-theme` for CSS. */
export function applyDocument(locale: Locale, theme: Theme): void {
  const root = document.documentElement
  root.lang = locale
  if (theme === 'system') delete root.dataset.theme
  else root.dataset.theme = theme
}
