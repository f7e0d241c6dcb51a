import type { Database } from 'dexorm';
import { useLive } from 'dexorm/vue';
import { defineComponent, h, type PropType, type Ref, ref, shallowRef } from 'vue';
import { addPost, Post, User } from '../../shared/models';

/** A text input bound to `value`. */
function textInput(testid: string, placeholder: string, value: Ref<string>) {
  return h('input', {
    'data-testid': testid,
    placeholder,
    value: value.value,
    onInput: (event: Event) => {
      value.value = (event.target as HTMLInputElement).value;
    },
  });
}

const UserPosts = defineComponent({
  props: {
    db: { type: Object as PropType<Database>, required: true },
    user: { type: Object as PropType<User>, required: true },
  },
  setup(props) {
    // Reads props.user: the list follows the selected user.
    const posts = useLive(() => Post.where('user_id', props.user.id!).with('tags').observe(), []);
    const trashed = useLive(
      () => Post.onlyTrashed().where('user_id', props.user.id!).observe(),
      [],
    );
    const title = ref('');
    const tags = ref('');
    const submit = async (event: Event) => {
      event.preventDefault();
      if (title.value.trim() === '') return;
      await addPost(props.db, props.user, title.value.trim(), tags.value);
      title.value = '';
      tags.value = '';
    };
    return () =>
      h('section', [
        h('h2', { 'data-testid': 'selected' }, `Posts of ${props.user.name}`),
        h('form', { onSubmit: submit }, [
          textInput('post-title', 'Post title', title),
          textInput('post-tags', 'Tags, comma-separated', tags),
          h('button', { type: 'submit', 'data-testid': 'add-post' }, 'Add post'),
        ]),
        h(
          'ul',
          { 'data-testid': 'posts' },
          posts.value.map((post) =>
            h('li', { key: post.id }, [
              h(
                'span',
                { 'data-testid': 'post-text' },
                `${post.title} [${post.tags.map((t) => t.name).join(', ')}]`,
              ),
              ' ',
              h(
                'button',
                { type: 'button', 'data-testid': 'trash-post', onClick: () => void post.delete() },
                'Trash',
              ),
            ]),
          ),
        ),
        h('h3', 'Trash'),
        h(
          'ul',
          { 'data-testid': 'trash' },
          trashed.value.map((post) =>
            h('li', { key: post.id }, [
              h('span', { 'data-testid': 'trashed-text' }, post.title),
              ' ',
              h(
                'button',
                {
                  type: 'button',
                  'data-testid': 'restore-post',
                  onClick: () => void post.restore(),
                },
                'Restore',
              ),
            ]),
          ),
        ),
        h(
          'button',
          { type: 'button', 'data-testid': 'delete-user', onClick: () => void props.user.delete() },
          `Delete ${props.user.name} and their posts`,
        ),
      ]);
  },
});

export const App = defineComponent({
  props: { db: { type: Object as PropType<Database>, required: true } },
  setup(props) {
    const users = useLive(() => User.query().withCount('posts').observe(), []);
    const selected = shallowRef<User | null>(null);
    const name = ref('');
    const addUser = async (event: Event) => {
      event.preventDefault();
      if (name.value.trim() === '') return;
      selected.value = await User.create({ name: name.value.trim() });
      name.value = '';
    };
    return () =>
      h('main', [
        h('h1', 'dexorm + Vue'),
        h('form', { onSubmit: addUser }, [
          textInput('user-name', 'Name', name),
          h('button', { type: 'submit', 'data-testid': 'add-user' }, 'Add user'),
        ]),
        h(
          'ul',
          { 'data-testid': 'users' },
          users.value.map((user) =>
            h('li', { key: user.id }, [
              h(
                'button',
                { type: 'button', onClick: () => (selected.value = user) },
                `${user.name} (${user.posts_count} posts)`,
              ),
            ]),
          ),
        ),
        selected.value ? h(UserPosts, { db: props.db, user: selected.value }) : null,
      ]);
  },
});
