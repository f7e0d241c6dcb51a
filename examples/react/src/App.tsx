import type { Database } from 'dexorm';
import { useLive } from 'dexorm/react';
import { type FormEvent, useState } from 'react';
import { addPost, Post, User } from '../../shared/models';

export function App({ db }: { db: Database }) {
  const users = useLive(() => User.query().withCount('posts').observe(), [], []);
  const [selected, setSelected] = useState<User | null>(null);
  const [name, setName] = useState('');

  const addUser = async (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === '') return;
    const user = await User.create({ name: name.trim() });
    setName('');
    setSelected(user);
  };

  return (
    <main>
      <h1>dexorm + React</h1>
      <form onSubmit={addUser}>
        <input
          data-testid="user-name"
          placeholder="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" data-testid="add-user">
          Add user
        </button>
      </form>
      <ul data-testid="users">
        {users.map((user) => (
          <li key={user.id}>
            <button type="button" onClick={() => setSelected(user)}>
              {user.name} ({user.posts_count} posts)
            </button>
          </li>
        ))}
      </ul>
      {selected && <UserPosts db={db} user={selected} />}
    </main>
  );
}

function UserPosts({ db, user }: { db: Database; user: User }) {
  const posts = useLive(() => Post.where('user_id', user.id!).with('tags').observe(), [user], []);
  const trashed = useLive(
    () => Post.onlyTrashed().where('user_id', user.id!).observe(),
    [user],
    [],
  );
  const [title, setTitle] = useState('');
  const [tags, setTags] = useState('');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (title.trim() === '') return;
    await addPost(db, user, title.trim(), tags);
    setTitle('');
    setTags('');
  };

  return (
    <section>
      <h2 data-testid="selected">Posts of {user.name}</h2>
      <form onSubmit={submit}>
        <input
          data-testid="post-title"
          placeholder="Post title"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
        />
        <input
          data-testid="post-tags"
          placeholder="Tags, comma-separated"
          value={tags}
          onChange={(e) => setTags(e.target.value)}
        />
        <button type="submit" data-testid="add-post">
          Add post
        </button>
      </form>
      <ul data-testid="posts">
        {posts.map((post) => (
          <li key={post.id}>
            <span data-testid="post-text">
              {post.title} [{post.tags.map((tag) => tag.name).join(', ')}]
            </span>{' '}
            <button type="button" data-testid="trash-post" onClick={() => void post.delete()}>
              Trash
            </button>
          </li>
        ))}
      </ul>
      <h3>Trash</h3>
      <ul data-testid="trash">
        {trashed.map((post) => (
          <li key={post.id}>
            <span data-testid="trashed-text">{post.title}</span>{' '}
            <button type="button" data-testid="restore-post" onClick={() => void post.restore()}>
              Restore
            </button>
          </li>
        ))}
      </ul>
      <button type="button" data-testid="delete-user" onClick={() => void user.delete()}>
        Delete {user.name} and their posts
      </button>
    </section>
  );
}
