import { button, h } from './dom';
import { EmissionCounter } from './emissions';
import { Post } from './models';
import { attempt, showError } from './notice';

/** Trashed posts (a soft delete stamps `deleted_at`), to restore or delete for good. */
export function trashPanel(): HTMLElement {
  const counter = new EmissionCounter('trash-emissions');
  const list = h('ul', { class: 'plain-list', testid: 'trash-list' });
  const empty = h('p', { class: 'muted', testid: 'trash-empty', text: 'The trash is empty.' });

  Post.onlyTrashed()
    .orderBy('deleted_at', 'desc')
    .observe()
    .subscribe({
      next(posts) {
        counter.tick();
        empty.hidden = posts.length > 0;
        list.replaceChildren(...posts.map(trashedRow));
      },
      error: showError,
    });

  return h('section', { class: 'card', testid: 'trash-panel' }, [
    h('header', { class: 'card-head' }, [
      h('div', {}, [
        h('h2', { text: 'Trash' }),
        h('code', {
          class: 'source',
          text: "Post.onlyTrashed().orderBy('deleted_at', 'desc').observe()",
        }),
      ]),
      counter.element,
    ]),
    empty,
    list,
  ]);
}

function trashedRow(post: Post): HTMLLIElement {
  const restore = button('Restore', 'trash-restore');
  restore.addEventListener('click', () => void attempt(() => post.restore()));
  const forget = button('Delete for good', 'trash-force-delete', 'danger');
  forget.addEventListener('click', () => void attempt(() => post.forceDelete()));
  const when = post.deleted_at ? post.deleted_at.toLocaleTimeString() : '';
  return h('li', { class: 'plain-row', testid: 'trash-row' }, [
    h('div', { class: 'user-text' }, [
      h('span', { class: 'user-name', testid: 'trash-row-title', text: post.title }),
      h('span', { class: 'profile-summary', text: `trashed at ${when}` }),
    ]),
    h('div', { class: 'actions' }, [restore, forget]),
  ]);
}
