import type { Tag } from '../types';
import { tagLabel } from '../lib/tags';
import { truncate } from '../lib/format';
import './TagList.css';

type Props = { tags: readonly Tag[] };

/** `key: value` chips; values are text (never HTML) and the full value is in the title. */
export function TagList({ tags }: Props) {
  if (tags.length === 0) return <p class="tag-list__empty">No tags on this span.</p>;
  return (
    <ul class="tag-list" role="list">
      {tags.map((tag) => (
        <li key={tag.key} class="tag-chip" title={`${tag.key}: ${tag.value}`} data-testid="tag-chip" data-tag-key={tag.key}>
          <span class="tag-chip__key">{tagLabel(tag.key)}</span>
          <span class="tag-chip__value">{truncate(tag.value, 60)}</span>
        </li>
      ))}
    </ul>
  );
}
