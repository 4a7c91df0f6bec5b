import { Box, Text } from 'ink';
import { useRef, useState } from 'react';
import { errorMessage } from '../src/core/errors.js';
import { parseQueueLine } from '../src/core/queue.js';
import { shellLine } from '../src/core/shell.js';
import { PROJECT_NAME_RE, PROJECT_NAME_RULE, shellArgv, type Task } from '../src/core/task.js';
import type { LaunchSpec } from './actions.js';
import { ChoiceList } from './ChoiceList.js';
import { Action, actionFor, KEYMAP, type Mode } from './keymap.js';
import { TextField } from './TextField.js';
import { useChoice } from './useChoice.js';
import { useColor } from './useColor.js';
import { useModeInput } from './useModeKeys.js';
import { useTextField } from './useTextField.js';

interface LaunchProject {
  name: string;
  /** Number of configured stages; 0 means a command must be given. */
  stages: number;
  /** `build → test`, for the choice between the stages and a command. */
  stageNames?: string;
}

interface LaunchFormProps {
  projects: LaunchProject[];
  /** Project name offered for "other command…". */
  defaultProject: string;
  width: number;
  height: number;
  onSubmit: (spec: LaunchSpec) => void;
  onCancel: () => void;
  /** The form's keys change with its step (choosing a project, typing text): the footer follows. */
  onModeChange?: (mode: Mode) => void;
  /** R: the form starts filled from a task (project, description, command) and launches a restart of it. */
  initial?: LaunchDraft | null;
  isActive?: boolean;
}

/** A launch to edit before it runs: what a task ran, as the form's fields. */
export interface LaunchDraft {
  project: string;
  description: string;
  /** The command line (`sh -c` runs it); empty: the project's stages. */
  command: string;
  restartOf: string;
}

type Step = 'project' | 'how' | 'name' | 'description' | 'command' | 'queue';

const OTHER = 'other command…';
const OTHER_KEY = 'other';
const projectKey = (name: string) => `p:${name}`;
/** A project with stages runs them, or a command of the user's in its directory and environment. */
const HOW = ['stages', 'command'] as const;

/**
 * n: pick a project (or "other command…"), then the description, then a command
 * when needed. The step and the fields live in refs: a run of keys (a paste,
 * typing ahead) is handled before the next frame, each key on the latest state.
 */
export function LaunchForm({
  projects,
  defaultProject,
  width,
  height,
  onSubmit,
  onCancel,
  onModeChange,
  initial = null,
  isActive = true,
}: LaunchFormProps) {
  const paint = useColor();
  // Filled from a task, it starts at the project's name: every field can be edited.
  const first: Step = initial ? 'name' : 'project';
  const [step, setStep] = useState<Step>(first);
  const live = useRef<{ step: Step; project: string; needsCommand: boolean; spec: LaunchSpec | null }>({
    step: first,
    project: initial?.project ?? '',
    needsCommand: false,
    // The launch the last field made, while its queue options are typed.
    spec: null,
  }).current;
  // The offered project name is selected: typing replaces it, Enter keeps it.
  const name = useTextField(initial?.project ?? defaultProject, { selected: !initial });
  const description = useTextField(initial?.description ?? '');
  // A pasted script keeps its lines: `sh -c` runs them one after another.
  const command = useTextField(initial?.command ?? '', { multiline: true });
  const queue = useTextField('');
  const hasStages = (project: string) => (projects.find((p) => p.name === project)?.stages ?? 0) > 0;
  const [problem, setProblem] = useState<string | null>(null);

  const items = [
    ...projects.map((p) => ({
      key: projectKey(p.name),
      label: p.stages > 0 ? `${p.name}  (${p.stages} stage${p.stages === 1 ? '' : 's'})` : `${p.name}  (command)`,
    })),
    { key: OTHER_KEY, label: OTHER },
  ];
  // Kept by key: a config reloaded under the form leaves the same project selected.
  const choice = useChoice(items.map((item) => item.key));
  const how = useChoice(HOW);

  const chosen = projects.find((p) => p.name === live.project);
  const howItems = chosen
    ? [
        {
          key: HOW[0],
          label: `its ${chosen.stages} stage${chosen.stages === 1 ? '' : 's'}${chosen.stageNames ? `: ${chosen.stageNames}` : ''}`,
        },
        { key: HOW[1], label: `a command, in ${chosen.name}'s directory with its environment` },
      ]
    : [];

  const choosing = (at: Step) => at === 'project' || at === 'how';
  const go = (next: Step) => {
    live.step = next;
    setStep(next);
    setProblem(null);
    onModeChange?.(choosing(next) ? 'launch' : 'launchText');
  };
  const chooseProject = () => {
    const p = projects.find((candidate) => projectKey(candidate.name) === choice.key());
    if (!p) {
      live.project = defaultProject;
      live.needsCommand = true;
      return go('name');
    }
    live.project = p.name;
    live.needsCommand = p.stages === 0;
    if (p.stages > 0) {
      how.select(0);
      return go('how');
    }
    go('description');
  };
  /** The launch the last field makes, or null after saying what is missing. */
  const finalSpec = (at: Step): LaunchSpec | null => {
    if (at === 'description') return { project: live.project, description: description.value(), command: null };
    if (command.value().trim() === '') {
      if (initial && hasStages(live.project)) return { project: live.project, description: description.value(), command: null };
      setProblem('a command is needed');
      return null;
    }
    return { project: live.project, description: description.value(), command: shellArgv(command.value()) };
  };
  /** The field whose Enter launches (a new launch only: R restarts where the task ran). */
  const isLast = (at: Step) => !initial && (at === 'command' || (at === 'description' && !live.needsCommand));
  const submit = (at: Step) => {
    if (at === 'name') {
      if (!PROJECT_NAME_RE.test(name.value())) return setProblem(PROJECT_NAME_RULE);
      live.project = name.value();
      if (initial) live.needsCommand = true;
      return go('description');
    }
    if (at === 'queue') {
      try {
        const spec = parseQueueLine(queue.value());
        return live.spec && onSubmit({ ...live.spec, ...(Object.keys(spec).length ? { queue: spec } : {}) });
      } catch (err) {
        return setProblem(errorMessage(err));
      }
    }
    if (at === 'description') {
      if (description.value().trim() === '') return setProblem('a description is needed');
      if (live.needsCommand) return go('command');
    }
    const spec = finalSpec(at);
    if (spec) onSubmit(spec);
  };
  /** Tab on the last field: the queue options before the launch. */
  const toQueue = (at: Step) => {
    if (at === 'description' && description.value().trim() === '') return setProblem('a description is needed');
    const spec = finalSpec(at);
    if (!spec) return;
    live.spec = spec;
    go('queue');
  };

  useModeInput(
    choosing(step) ? 'launch' : 'launchText',
    (input, key, event) => {
      const at = live.step;
      if (at === 'project' || at === 'how') {
        const action = actionFor('launch', input, key);
        if (action === Action.Up || action === Action.Down) {
          (at === 'project' ? choice : how).move(action === Action.Up ? -1 : 1);
        } else if (action === Action.Submit) {
          if (at === 'project') return chooseProject();
          live.needsCommand = how.key() === 'command';
          go('description');
        } else if (action === Action.Back) onCancel();
        return;
      }
      if (isLast(at) && actionFor('launchText', input, key) === Action.QueueOptions) return toQueue(at);
      const field = at === 'name' ? name : at === 'description' ? description : at === 'queue' ? queue : command;
      const outcome = field.apply(event, KEYMAP.launchText);
      if (outcome === 'back') onCancel();
      else if (outcome === 'submit') submit(at);
      else if (outcome === 'edited') setProblem(null);
    },
    isActive,
  );

  const field =
    step === 'name' ? name : step === 'description' ? description : step === 'command' ? command : step === 'queue' ? queue : null;
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold wrap="truncate">
        {initial ? `Edit and restart ${initial.restartOf}` : 'Launch a task'}
        {step !== 'project' && step !== 'name' ? <Text dimColor> · project {live.project}</Text> : null}
      </Text>
      {step === 'project' ? <ChoiceList items={items} selected={choice.index} height={height - 2} width={width} /> : null}
      {step === 'how' ? (
        <>
          <Text wrap="truncate">Run:</Text>
          <ChoiceList items={howItems} selected={how.index} height={height - 3} width={width} />
        </>
      ) : null}
      {step === 'name' ? <TextField label="Project name: " state={name.state} focused={isActive} /> : null}
      {step === 'description' ? (
        <TextField label="Description: " state={description.state} placeholder="what this run is for" focused={isActive} />
      ) : null}
      {step === 'queue' ? (
        <>
          <Text dimColor wrap="truncate">
            {description.value()}
          </Text>
          <TextField
            label="Queue options: "
            state={queue.state}
            placeholder="--after 3k9x --priority 5 --timeout 10m --retries 2 (Enter: launch)"
            focused={isActive}
          />
        </>
      ) : null}
      {step === 'command' ? (
        <>
          <Text dimColor wrap="truncate">
            {description.value()}
          </Text>
          <TextField
            label="Command (sh -c): "
            state={command.state}
            placeholder={initial && hasStages(live.project) ? "empty: the project's stages" : 'npm run build'}
            focused={isActive}
          />
        </>
      ) : null}
      {problem ? (
        <Text color={paint('red')} wrap="truncate">
          {problem}
        </Text>
      ) : field?.note ? (
        <Text color={paint('yellow')} wrap="truncate">
          {field.note}
        </Text>
      ) : null}
    </Box>
  );
}

/** The launch form's fields for a task: its command as a line a shell runs the same way. */
export function draftOf(task: Task): LaunchDraft {
  const argv = task.command ?? null;
  // `sh -c <line>` (how the form and stages run) edits as the line itself.
  const command = !argv ? '' : argv.length === 3 && argv[0] === 'sh' && argv[1] === '-c' ? argv[2]! : shellLine(argv);
  return { project: task.project, description: task.description, command, restartOf: task.id };
}
