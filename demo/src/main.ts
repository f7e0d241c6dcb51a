import './style.css';
import { backupTools } from './backup-tools';
import { blogPanel, postCountsPanel } from './blog-panel';
import { button, h } from './dom';
import { livePanel } from './live-panel';
import { db, Profile, Tag, User } from './models';
import { attempt, noticeElement, showError } from './notice';
import { profileEditor } from './profile-editor';
import { syncPanel } from './sync-panel';
import { tagsPanel } from './tags-panel';
import { trashPanel } from './trash-panel';
import { unattachedPanel } from './unattached-panel';
import { usersPanel } from './users-panel';

const reset = button('Clear all data', 'reset', 'plain');
reset.addEventListener('click', () => {
  void attempt(() =>
    db.transaction(async () => {
      await Profile.query().delete();
      await User.query().delete(); // posts, their comments and tag pairs go with them
      await Tag.query().delete();
    }),
  );
});

const app = document.getElementById('app');
if (!app) throw new Error('the page has no #app element');

app.replaceChildren(
  h('header', { class: 'page-head' }, [
    h('div', {}, [
      h('h1', { text: 'dexorm demo' }),
      h('p', {
        class: 'lead',
        text:
          'Users, profiles, posts, videos, tags and comments, stored in this browser’s IndexedDB. ' +
          'Every panel is live: ' +
          'open this page in a second tab and each tab follows the writes of the other.',
      }),
    ]),
    h('div', { class: 'page-tools' }, [
      h('span', { class: 'badge', testid: 'database-name', text: `IndexedDB: ${db.name}` }),
      ...backupTools(),
      reset,
    ]),
  ]),
  noticeElement,
  h('main', { class: 'columns' }, [
    h('div', { class: 'column' }, [usersPanel(), unattachedPanel()]),
    h('div', { class: 'column' }, [profileEditor(), livePanel()]),
  ]),
  h('main', { class: 'columns' }, [
    h('div', { class: 'column' }, [blogPanel(), trashPanel()]),
    h('div', { class: 'column' }, [postCountsPanel(), tagsPanel(), syncPanel()]),
  ]),
);

db.open().catch(showError);
