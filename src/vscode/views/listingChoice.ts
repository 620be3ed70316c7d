/**
 * What the Sessions view lists of the sessions: those of the filter a person set (kept in the
 * workspace's state, said by a context key for the view's title), every live one, and a page of
 * the ended ones at a time.
 */
import * as vscode from 'vscode';
import { isEnded, SessionRecord } from '../../core/model/sessionRecord';
import { ENDED_PAGE, listedSessions, matchesFilter, parseFilter, SessionFilter } from '../../core/presentation/sessionListing';
import { GROUP_ORDER } from '../../core/presentation/sessionPresentation';

const FILTER_KEY = 'instar.sessionFilter';
const FILTERED_CONTEXT = 'instar.sessionsFiltered';

export class ListingChoice implements vscode.Disposable {
  private filter: SessionFilter | undefined;
  private endedShown = ENDED_PAGE;
  private readonly emitter = new vscode.EventEmitter<void>();
  /** The filter changed. */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly memento: vscode.Memento) {
    try {
      this.filter = parseFilter(memento.get<string>(FILTER_KEY, ''));
    } catch {
      this.filter = undefined;
    }
    void vscode.commands.executeCommand('setContext', FILTERED_CONTEXT, this.filter !== undefined);
  }

  /** The filter as typed ('' for none). */
  get text(): string {
    return this.filter?.text ?? '';
  }

  get filtered(): boolean {
    return this.filter !== undefined;
  }

  /** Keeps only the sessions `text` keeps ('' keeps every one), from the first page; throws, saying what is allowed, for a filter that is not one. */
  async setFilter(text: string): Promise<void> {
    this.filter = parseFilter(text);
    this.endedShown = ENDED_PAGE;
    await this.memento.update(FILTER_KEY, this.text);
    await vscode.commands.executeCommand('setContext', FILTERED_CONTEXT, this.filtered);
    this.emitter.fire();
  }

  /** One more page of ended sessions. */
  showMore(): void {
    this.endedShown += ENDED_PAGE;
  }

  matches(record: SessionRecord): boolean {
    return matchesFilter(record, this.filter);
  }

  /** What a list of `records` (in its order) shows, and how many ended ones it leaves out. */
  listed(records: readonly SessionRecord[]): { shown: SessionRecord[]; moreEnded: number } {
    return listedSessions(records, this.filter, this.endedShown);
  }

  /** Every session with a row where its list is shown: the flat list's, or each state's group's. */
  visibleNames(records: readonly SessionRecord[], grouped: boolean): Set<string> {
    if (!grouped) return new Set(this.listed(records).shown.map((record) => record.name));
    const names = new Set<string>();
    for (const status of GROUP_ORDER) for (const record of this.listed(records.filter((r) => r.status === status)).shown) names.add(record.name);
    return names;
  }

  /** Whether some ended sessions are past the page (an ending can then move one out of it). */
  paged(records: readonly SessionRecord[]): boolean {
    return records.filter(isEnded).length > this.endedShown;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** What a flat list shows, as one text to compare: the names, in order, and how many ended ones it leaves out. */
export function flatText({ shown, moreEnded }: { shown: readonly SessionRecord[]; moreEnded: number }): string {
  return `${shown.map((record) => record.name).join('\n')}\n${moreEnded}`;
}
