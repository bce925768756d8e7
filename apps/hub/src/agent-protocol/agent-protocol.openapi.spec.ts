import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { AGENT_API_PREFIX, agentProtocolOpenApi } from '@flotilla/contracts';
import { AgentProtocolController } from './agent-protocol.controller';

/** The routes the controller really serves, as `METHOD /api/agent/v1/path`. */
function servedRoutes(): string[] {
  const prefix = `/${Reflect.getMetadata(PATH_METADATA, AgentProtocolController) as string}`;
  const proto = AgentProtocolController.prototype as unknown as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto)
    .filter((name) => name !== 'constructor')
    .map((name) => proto[name] as object)
    .filter((handler) => Reflect.hasMetadata(PATH_METADATA, handler))
    .map((handler) => {
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const route = Reflect.getMetadata(PATH_METADATA, handler) as string;
      return `${method} ${prefix}/${route.replace(/:(\w+)/g, '{$1}')}`;
    })
    .filter((route) => !route.startsWith('ALL ')) // the protocol's own 404 for anything else
    .sort();
}

describe('agent protocol OpenAPI and the hub controller', () => {
  it('serves exactly the documented paths and methods', () => {
    const doc = agentProtocolOpenApi() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${AGENT_API_PREFIX}${path}`),
      )
      .sort();
    expect(servedRoutes()).toHaveLength(6);
    expect(servedRoutes()).toEqual(documented);
  });
});
