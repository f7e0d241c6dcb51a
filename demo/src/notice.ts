import { DexormError } from 'dexorm';
import { button, h } from './dom';

const banner = h('div', { class: 'notice', testid: 'error', attrs: { role: 'alert' } });
const title = h('strong', { testid: 'error-name' });
const message = h('span', { testid: 'error-message' });
const dismiss = button('Dismiss', 'error-dismiss', 'plain');
banner.append(h('div', { class: 'notice-text' }, [title, message]), dismiss);
banner.hidden = true;
dismiss.addEventListener('click', () => clearError());

/** The banner element, to place once in the page. */
export const noticeElement = banner;

/** Shows an error with its class name (e.g. `UniqueConstraintError`) and message. */
export function showError(error: unknown): void {
  const known = error instanceof Error;
  title.textContent = known ? error.name : 'Error';
  message.textContent = known ? error.message : String(error);
  banner.classList.toggle('notice-library', error instanceof DexormError);
  banner.hidden = false;
  if (!(error instanceof DexormError)) console.error(error);
}

/** Hides the banner. */
export function clearError(): void {
  banner.hidden = true;
  title.textContent = '';
  message.textContent = '';
}

/** Runs a user action: clears the last error first, shows the new one if the action fails. */
export async function attempt(action: () => Promise<unknown>): Promise<boolean> {
  clearError();
  try {
    await action();
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}
