import { useLive, useLiveState } from 'dexorm/react';
import { type Author, Post } from './models';

export function PostTitles({ author }: { author: Author }) {
  const posts = useLive(() => author.postsRelation().observe(), [author], []);
  return (
    <ul>
      {posts.map((post) => (
        <li key={post.id}>{post.title}</li>
      ))}
    </ul>
  );
}

export function PostCount() {
  const { data, loading, error } = useLiveState(() => Post.query().observeCount(), []);
  if (error) return <p>Could not read the posts</p>;
  return <p>{loading ? '…' : `${data} posts`}</p>;
}
