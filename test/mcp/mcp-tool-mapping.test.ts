import { describe, expect, it } from 'vitest';
import { toMcpToolOutput, toMcpUiParts } from '../../src/mcp/mcp-result.js';
import { mcpApprovalPolicy } from '../../src/mcp/mcp-tool.js';

describe('MCP results as Longhaul sees them', () => {
  it('gives text to the model and the resources as source parts', () => {
    const output = toMcpToolOutput({
      content: [
        { type: 'text', text: 'two pages' },
        { type: 'resource_link', uri: 'https://docs.example.com/a', name: 'a', title: 'Page A' },
        { type: 'resource', resource: { uri: 'file:///srv/b.pdf', mimeType: 'application/pdf', blob: 'AAAA' } },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
      ],
    });
    expect(output).toMatchInlineSnapshot(`
      {
        "resources": [
          {
            "title": "Page A",
            "uri": "https://docs.example.com/a",
          },
          {
            "mimeType": "application/pdf",
            "uri": "file:///srv/b.pdf",
          },
        ],
        "text": "two pages
      [image content omitted]",
      }
    `);
    expect(toMcpUiParts(output)).toMatchInlineSnapshot(`
      [
        {
          "sourceId": "mcp-0-https://docs.example.com/a",
          "title": "Page A",
          "type": "source-url",
          "url": "https://docs.example.com/a",
        },
        {
          "filename": "b.pdf",
          "mediaType": "application/pdf",
          "sourceId": "mcp-1-file:///srv/b.pdf",
          "title": "b.pdf",
          "type": "source-document",
        },
      ]
    `);
  });

  it('cuts a result over the cap and says so', () => {
    const output = toMcpToolOutput({ content: [{ type: 'text', text: 'abcdefghij' }], structuredContent: { a: 1 } }, 8);
    expect(output).toEqual({
      text: 'abcdefgh\n[truncated: the result had 10 characters; only the first 8 are shown]',
      structured: { a: 1 },
    });
    expect(toMcpToolOutput({ content: [], structuredContent: { long: 'x'.repeat(10) } }, 8)).toEqual({
      text: '\n[structured content omitted: 21 characters, over the cap of 8]',
    });
  });
});

describe('the approval policy of an MCP server', () => {
  it.each([
    [undefined, 'search', { mode: 'inline' }],
    ['never', 'search', { mode: 'inline' }],
    ['always', 'search', { mode: 'durable', requiresApproval: true }],
    [['delete_page'], 'delete_page', { mode: 'durable', requiresApproval: true }],
    [['delete_page'], 'search', { mode: 'inline' }],
  ] as const)('%j for %s', (approval, tool, expected) => {
    expect(mcpApprovalPolicy(approval as never, tool)).toEqual(expected);
  });

  it('asks a function per call, with the tool name and the arguments', () => {
    const policy = mcpApprovalPolicy(
      (tool, args) => tool === 'refund' && (args as { amount: number }).amount > 100,
      'refund',
    );
    expect(policy.mode).toBe('durable');
    const decide = policy.requiresApproval as (args: unknown) => boolean;
    expect([decide({ amount: 40 }), decide({ amount: 250 })]).toEqual([false, true]);
  });
});
