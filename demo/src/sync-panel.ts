import { type Replication, replicate } from 'dexorm/sync';
import { button, field, h, input } from './dom';
import { EmissionCounter } from './emissions';
import { attempt, showError } from './notice';
import { onlyOpen, replicaName, syncDb, syncUrl, Task } from './sync-models';

/**
 * Tasks replicated through a CouchDB-compatible server: a status line (state and pending
 * changes), an offline switch that stops and restarts the replication, and a live task list.
 */
export function syncPanel(): HTMLElement {
  const counter = new EmissionCounter('tasks-emissions');
  const state = h('output', { class: 'badge', testid: 'sync-state', text: 'connecting' });
  const pending = h('output', { testid: 'sync-pending', text: '0' });
  const offline = h('input', { testid: 'sync-offline', attrs: { type: 'checkbox' } });
  const title = input('task-title', 'Water the plants');
  const file = input('task-file', '', 'file');
  const form = h('form', { class: 'user-form', testid: 'task-form' }, [
    field('Task', title),
    field('File (optional)', file),
    button('Add task', 'task-add', 'primary', 'submit'),
  ]);
  const list = h('ul', { class: 'user-list', testid: 'task-list' });
  const empty = h('p', { class: 'muted', testid: 'tasks-empty', text: 'No tasks yet.' });

  let replication: Replication | undefined;
  const connect = () => {
    replication = replicate(syncDb, {
      url: syncUrl,
      ...(onlyOpen ? { filter: { tasks: { done: false } } } : {}),
    });
    replication.status$.subscribe({
      next(status) {
        state.textContent = status.state;
        state.dataset.state = status.state;
        pending.textContent = String(status.pending);
      },
      error: showError,
    });
  };
  offline.addEventListener('change', () => {
    if (offline.checked) {
      replication?.stop();
      state.textContent = 'stopped';
      state.dataset.state = 'stopped';
    } else {
      connect();
    }
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void attempt(async () => {
      const attached = file.files?.[0];
      await Task.create({
        title: title.value.trim() || 'Untitled',
        done: false,
        ...(attached ? { file: attached, file_name: attached.name } : {}),
      });
      form.reset();
    });
  });

  Task.query()
    .orderBy('title')
    .observe()
    .subscribe({
      next(tasks) {
        counter.tick();
        empty.hidden = tasks.length > 0;
        list.replaceChildren(...tasks.map(taskRow));
      },
      error: showError,
    });
  connect();

  return h('section', { class: 'card', testid: 'sync-panel' }, [
    h('header', { class: 'card-head' }, [
      h('div', {}, [
        h('h2', { text: `Shared tasks (replica ${replicaName})` }),
        h('code', {
          class: 'source',
          text: onlyOpen
            ? `replicate(db, { url: '${syncUrl}', filter: { tasks: { done: false } } })`
            : `replicate(db, { url: '${syncUrl}' })`,
        }),
      ]),
      counter.element,
    ]),
    h('p', { class: 'sync-status' }, [
      state,
      h('span', {}, [' · pending: ', pending, ' · ']),
      h('label', { class: 'check' }, [offline, 'work offline']),
    ]),
    h('p', {
      class: 'muted',
      text:
        'Open this page with ?replica=b in another tab (a second device, with its own ' +
        'database) and watch both converge through the server; with ?replica=c&only=open, a ' +
        'third one pulls open tasks only. An attached file travels as a CouchDB attachment.',
    }),
    form,
    empty,
    list,
  ]);
}

function taskRow(task: Task): HTMLLIElement {
  const done = h('input', { testid: 'task-done', attrs: { type: 'checkbox' } });
  done.checked = task.done === true;
  done.addEventListener('change', () => {
    void attempt(() => task.fill({ done: done.checked }).save());
  });
  const remove = button('Delete', 'task-delete', 'danger');
  remove.addEventListener('click', () => void attempt(() => task.delete()));
  const text = h('div', { class: 'user-text' }, [
    h('label', { class: 'check' }, [
      done,
      h('span', { class: 'user-name', testid: 'task-row-title', text: task.title }),
    ]),
  ]);
  if (task.file instanceof Blob) text.append(attachmentLink(task.file, task.file_name ?? 'file'));
  return h('li', { class: 'user-row', testid: 'task-row' }, [
    text,
    h('div', { class: 'actions' }, [remove]),
  ]);
}

/** A link that opens the attached Blob, with its name, size and type. */
function attachmentLink(file: Blob, name: string): HTMLAnchorElement {
  const link = h('a', {
    class: 'user-email',
    testid: 'task-file',
    text: `File: ${name} · ${file.size} bytes · ${file.type || 'unknown type'}`,
    attrs: { target: '_blank', rel: 'noopener' },
  });
  // The object URL lives as long as the row; it is made when the link is opened.
  link.addEventListener('click', () => {
    link.href = URL.createObjectURL(file);
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  });
  return link;
}
