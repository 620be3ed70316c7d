/**
 * The Get Started walkthrough and its progress. A step is marked done when the user really did
 * what it asks, however they did it (the palette, a terminal, the API, an agent): the records say
 * so (`core/model/milestones.ts`), or the environment check, the keeper or a merge does.
 *
 * Each is marked twice over. The context key its completion event names (`instar.milestone.*`,
 * `instar.environmentReady`, `instar.keeperLeads`) marks it while VS Code's walkthroughs service
 * runs; and `welcome.markStepComplete` marks it whenever: that service starts only when a
 * walkthrough is first shown, and a context key already true then never completes its step
 * (measured in code-server 4.139: a session spawned before the page was first opened left its step
 * undone, one spawned after marked it).
 */
import * as vscode from 'vscode';
import { MILESTONES, Milestone, milestonesOf } from '../core/model/milestones';
import type { SessionEngine } from '../core/sessions/sessionEngine';

/** The extension's id (publisher.name) and the walkthrough's, as package.json declares them. */
export const EXTENSION_ID = 'instar.instar-sessions';
export const WALKTHROUGH_ID = 'instar.start';

/** The walkthrough's steps, as package.json declares them. */
export type WalkthroughStep = 'environment' | 'spawn' | 'talk' | 'steer' | 'job' | 'worktree' | 'keeper';

const STEP_OF: Record<Milestone, WalkthroughStep> = { spawned: 'spawn', followedUp: 'talk', steered: 'steer', jobRan: 'job' };

/** What workbench.action.openWalkthrough takes. */
export const walkthroughRef = (): string => `${EXTENSION_ID}#${WALKTHROUGH_ID}`;

const marked = new Set<WalkthroughStep>();

/** Marks a step done (once per window; VS Code keeps it done). */
export function markStepDone(step: WalkthroughStep): void {
  if (marked.has(step)) return;
  marked.add(step);
  // A VS Code without the command still marks it by the step's completion event.
  void Promise.resolve(vscode.commands.executeCommand('welcome.markStepComplete', `${walkthroughRef()}#${step}`)).catch(() => undefined);
}

const SHOWN_KEY = 'instar.walkthroughShown';

/**
 * Opens the walkthrough on the extension's first start on this machine (as VS Code does for one
 * installed from the Marketplace), unless VS Code's own setting says not to; never again after.
 */
export async function openOnFirstStart(state: vscode.Memento): Promise<boolean> {
  if (state.get<boolean>(SHOWN_KEY)) return false;
  await state.update(SHOWN_KEY, true);
  if (!vscode.workspace.getConfiguration('workbench.welcomePage').get<boolean>('walkthroughs.openOnInstall', true)) return false;
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthroughRef(), false);
  return true;
}

/** Marks the steps the records show done; once every milestone is reached nothing more is read. */
export class WalkthroughProgress implements vscode.Disposable {
  private readonly reached = new Set<Milestone>();
  private subscription: vscode.Disposable | undefined;

  constructor(private readonly engine: SessionEngine) {
    this.subscription = engine.onDidChange((change) => this.note(change.changed));
  }

  /** Reads every known record once (after the engine started). */
  start(): void {
    this.note(this.engine.list());
  }

  private note(records: Parameters<typeof milestonesOf>[0]): void {
    for (const milestone of milestonesOf(records)) {
      if (this.reached.has(milestone)) continue;
      this.reached.add(milestone);
      void vscode.commands.executeCommand('setContext', `instar.milestone.${milestone}`, true);
      markStepDone(STEP_OF[milestone]);
    }
    if (this.reached.size === MILESTONES.length) this.dispose();
  }

  dispose(): void {
    this.subscription?.dispose();
    this.subscription = undefined;
  }
}
