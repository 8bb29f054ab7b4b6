/**
 * The shop's parcel carrier as an MCP server over stdio, built with the official SDK. Longhaul starts it (the
 * `command` in longhaul.config.ts) and offers its tool to agents as `carrier__track_parcel`.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

/** Where a parcel is, made up from its number so the example answers the same every time. */
const STAGES = ['label created', 'picked up', 'in transit', 'out for delivery', 'delivered'];

const server = new McpServer({ name: 'example-carrier', version: '1' });
server.registerTool(
  'track_parcel',
  {
    description: "Tracks a parcel by the carrier's tracking number (PX-…).",
    inputSchema: { trackingNumber: z.string().regex(/^PX-\d{4}$/) },
  },
  async ({ trackingNumber }) => {
    const stage = STAGES[Number(trackingNumber.slice(3)) % STAGES.length]!;
    return {
      content: [
        { type: 'text', text: `Parcel ${trackingNumber}: ${stage}.` },
        {
          type: 'resource_link',
          uri: `https://carrier.example.com/track/${trackingNumber}`,
          name: trackingNumber,
          title: `Tracking ${trackingNumber}`,
        },
      ],
    };
  },
);
await server.connect(new StdioServerTransport());
