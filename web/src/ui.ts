// App-wide feedback: the error banner and the token prompt shown on a 401.

import { ApiError, getToken, setToken } from './api';
import { h } from './dom';
import { t } from './i18n';

let banner: HTMLElement;
let afterToken: () => void = () => {};

export function mountUi(bannerEl: HTMLElement, onToken: () => void): void {
  banner = bannerEl;
  afterToken = onToken;
}

export function clearError(): void {
  banner.replaceChildren();
  banner.hidden = true;
}

function showError(title: string, message: string): void {
  // One line per distinct message: several charts failing the same way say it once.
  const line = `${title}: ${message}`;
  if ([...banner.querySelectorAll('.msg')].some((m) => m.textContent === line)) return;
  banner.hidden = false;
  banner.append(
    h('div', { class: 'banner-row' }, h('span', { class: 'msg' }, line), h('button', { type: 'button', class: 'link', onclick: clearError }, t('dismiss'))),
  );
}

/** Reports a failed request; aborted ones (the user moved on) are ignored. */
export function reportError(err: unknown): void {
  if (err instanceof DOMException && err.name === 'AbortError') return;
  if (err instanceof ApiError) {
    if (err.status === 401) {
      promptToken();
      return;
    }
    showError(`${t('error')} ${err.status} ${err.code}`, err.message);
    return;
  }
  showError(t('error'), err instanceof Error ? err.message : String(err));
}

function promptToken(): void {
  if (document.querySelector('[data-testid="token-dialog"]')) return;
  const input = h('input', { type: 'password', 'data-testid': 'token-input', autocomplete: 'off', value: getToken() ?? '' });
  const dialog = h(
    'div',
    { class: 'modal-back' },
    h(
      'form',
      {
        class: 'modal',
        'data-testid': 'token-dialog',
        onsubmit: (e: Event) => {
          e.preventDefault();
          setToken(input.value.trim());
          dialog.remove();
          afterToken();
        },
      },
      h('h2', {}, t('token_title')),
      h('p', {}, t('token_help')),
      input,
      h('button', { type: 'submit', 'data-testid': 'token-save' }, t('token_save')),
    ),
  );
  document.body.append(dialog);
  input.focus();
}
