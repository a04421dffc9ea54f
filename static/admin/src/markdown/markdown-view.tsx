/** Renders the blocks of markdown.ts as React elements, with headings shifted below the page's own. */
import { token } from '@atlaskit/tokens';
import type { CSSProperties, ReactNode } from 'react';
import { parseMarkdown, plainText, type Block, type Inline, type Variables } from './markdown';

const codeBlockStyle: CSSProperties = {
  background: token('color.background.neutral', '#091E420F'),
  borderRadius: 3,
  padding: '8px 12px',
  overflowX: 'auto',
  whiteSpace: 'pre',
  fontFamily: token('font.family.code', 'ui-monospace, Menlo, monospace'),
  fontSize: 13,
};

const inlineCodeStyle: CSSProperties = {
  background: token('color.background.neutral', '#091E420F'),
  borderRadius: 3,
  padding: '0 4px',
  fontFamily: token('font.family.code', 'ui-monospace, Menlo, monospace'),
  fontSize: '0.9em',
  overflowWrap: 'anywhere',
};

const cellStyle: CSSProperties = {
  border: `1px solid ${token('color.border', '#091E4224')}`,
  padding: '4px 8px',
  verticalAlign: 'top',
};

const quoteStyle: CSSProperties = {
  borderLeft: `3px solid ${token('color.border.information', '#1D7AFC')}`,
  margin: '12px 0',
  padding: '0 12px',
};

/** Props of MarkdownView. */
export interface MarkdownViewProps {
  readonly source: string;
  readonly variables?: Variables;
  /** Added to every heading level, so a guide's `#` sits below the section heading. */
  readonly headingOffset?: number;
  /** Opens a link; Forge's iframe cannot open windows itself, so the page passes the bridge's router there. */
  readonly onOpenLink?: (href: string) => void;
}

/** Shows a Markdown document. */
export function MarkdownView({ source, variables = {}, headingOffset = 2, onOpenLink }: MarkdownViewProps): ReactNode {
  const blocks = parseMarkdown(source, variables);
  const context: RenderContext = { headingOffset, ...(onOpenLink ? { onOpenLink } : {}) };
  return <div className="markdown-view">{renderBlocks(blocks, context)}</div>;
}

interface RenderContext {
  readonly headingOffset: number;
  readonly onOpenLink?: (href: string) => void;
}

function renderBlocks(blocks: readonly Block[], context: RenderContext): ReactNode[] {
  return blocks.map((block, index) => renderBlock(block, index, context));
}

function renderBlock(block: Block, key: number, context: RenderContext): ReactNode {
  switch (block.kind) {
    case 'heading': {
      const level = Math.min(6, block.level + context.headingOffset);
      const Tag = `h${level}` as 'h1' | 'h2' | 'h3' | 'h4' | 'h5' | 'h6';
      return <Tag key={key}>{renderInline(block.content, context)}</Tag>;
    }
    case 'paragraph':
      return <p key={key}>{renderInline(block.content, context)}</p>;
    case 'list': {
      const items = block.items.map((item, index) => <li key={index}>{renderItem(item, context)}</li>);
      return block.ordered ? (
        <ol key={key} start={block.start}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case 'code':
      return (
        <pre
          key={key}
          style={codeBlockStyle}
          tabIndex={0}
          aria-label={block.language ? `${block.language} code` : 'code'}
        >
          <code>{block.text}</code>
        </pre>
      );
    case 'quote':
      return (
        <blockquote key={key} style={quoteStyle}>
          {renderBlocks(block.blocks, context)}
        </blockquote>
      );
    case 'rule':
      return <hr key={key} />;
    case 'table':
      return (
        <div key={key} style={{ overflowX: 'auto', margin: '12px 0' }}>
          <table style={{ borderCollapse: 'collapse', width: '100%' }}>
            <thead>
              <tr>
                {block.header.map((cell, column) => (
                  <th key={column} scope="col" style={{ ...cellStyle, textAlign: block.align[column] ?? 'left' }}>
                    {renderInline(cell, context)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {block.rows.map((row, rowIndex) => (
                <tr key={rowIndex}>
                  {row.map((cell, column) => (
                    <td key={column} style={{ ...cellStyle, textAlign: block.align[column] ?? 'left' }}>
                      {renderInline(cell, context)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
  }
}

/** A tight list item (one paragraph) renders without a <p>, like most Markdown renderers do. */
function renderItem(blocks: readonly Block[], context: RenderContext): ReactNode {
  const [first, ...rest] = blocks;
  if (first?.kind === 'paragraph') {
    return (
      <>
        {renderInline(first.content, context)}
        {renderBlocks(rest, context)}
      </>
    );
  }
  return renderBlocks(blocks, context);
}

function renderInline(content: readonly Inline[], context: RenderContext): ReactNode[] {
  return content.map((node, index) => {
    switch (node.kind) {
      case 'text':
        return node.text;
      case 'code':
        return (
          <code key={index} style={inlineCodeStyle}>
            {node.text}
          </code>
        );
      case 'strong':
        return <strong key={index}>{renderInline(node.children, context)}</strong>;
      case 'em':
        return <em key={index}>{renderInline(node.children, context)}</em>;
      case 'link': {
        const external = /^(?:https?:|mailto:)/i.test(node.href);
        const open = context.onOpenLink;
        return (
          <a
            key={index}
            href={node.href}
            {...(external ? { target: '_blank', rel: 'noreferrer noopener' } : {})}
            {...(external && open
              ? {
                  onClick: (event: { preventDefault(): void }) => {
                    event.preventDefault();
                    open(node.href);
                  },
                }
              : {})}
            title={external ? `${plainText(node.children)} (opens in a new tab)` : undefined}
          >
            {renderInline(node.children, context)}
          </a>
        );
      }
    }
  });
}
