import { type Post, Tag, type Video } from './models';

/**
 * Tags a post or a video with each comma-separated name of `names` (a tag is made the first
 * time its name is used), noting who added it on the pivot; in the caller's transaction.
 */
export async function tagWith(tagged: Post | Video, names: string, addedBy: string): Promise<void> {
  for (const name of names.split(',').map((part) => part.trim())) {
    if (name === '') continue;
    const tag = await Tag.firstOrCreate({ name });
    await tagged.tagsRelation().attach(tag, { added_by: addedBy });
  }
}
