/**
 * How the MCP tools reach the workspace's API: over HTTP (the `instar` command's ApiClient) or in
 * the host's own process (VS Code's chat tools, ApiServer.dispatch). Either answers a 2xx with its
 * JSON body, and anything else as an ApiError with the API's own message.
 */

export interface ApiCaller {
  call<T = Record<string, unknown>>(method: string, route: string, body?: unknown, signal?: AbortSignal): Promise<T>;
}

/** An answer other than 2xx, with the API's own message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The API's answer as a caller takes it: the body of a 2xx, else an ApiError with the API's message. */
export function answerOf<T>(status: number, json: Record<string, unknown>): T {
  if (status >= 200 && status < 300) return json as T;
  throw new ApiError(status, typeof json.error === 'string' ? json.error : `HTTP ${status}`, json);
}
