import { Box, Text } from 'ink';
import { useModeInput } from './useModeKeys.js';
import SelectInput from 'ink-select-input';
import TextInput from 'ink-text-input';
import { useState } from 'react';
import { PROJECT_NAME_RE, PROJECT_NAME_RULE } from '../src/core/task.js';
import type { LaunchSpec } from './actions.js';
import { Action, actionFor } from './keymap.js';
import { useColor } from './useColor.js';

export interface LaunchProject {
  name: string;
  /** Number of configured stages; 0 means a command must be given. */
  stages: number;
}

export interface LaunchFormProps {
  projects: LaunchProject[];
  /** Project name offered for "other command…". */
  defaultProject: string;
  height: number;
  onSubmit: (spec: LaunchSpec) => void;
  onCancel: () => void;
  isActive?: boolean;
}

type Step = 'project' | 'name' | 'description' | 'command';

const OTHER = Symbol('other command');

/**
 * The typed command line runs as `sh -c <line>`: what was typed is what a shell
 * would do (pipes, &&, quotes). The description never reaches a shell.
 */
export function commandFromLine(line: string): string[] | null {
  return line.trim() === '' ? null : ['sh', '-c', line];
}

/** n: pick a project (or "other command…"), then the description, then a command when needed. */
export function LaunchForm({ projects, defaultProject, height, onSubmit, onCancel, isActive = true }: LaunchFormProps) {
  const paint = useColor();
  const [step, setStep] = useState<Step>('project');
  const [project, setProject] = useState<string>('');
  const [needsCommand, setNeedsCommand] = useState(false);
  const [description, setDescription] = useState('');
  const [command, setCommand] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  useModeInput(
    'launch',
    (input, key) => {
      if (actionFor('launch', input, key) === Action.Back) onCancel();
    },
    isActive,
  );

  const items = [
    ...projects.map((p) => ({
      key: `p:${p.name}`,
      label: p.stages > 0 ? `${p.name}  (${p.stages} stage${p.stages === 1 ? '' : 's'})` : `${p.name}  (command)`,
      value: p.name as string | typeof OTHER,
    })),
    { key: 'other', label: 'other command…', value: OTHER as string | typeof OTHER },
  ];

  const submit = (cmdLine: string) => {
    const argv = commandFromLine(cmdLine);
    if (needsCommand && !argv) return setProblem('a command is needed');
    onSubmit({ project, description, command: argv });
  };

  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold wrap="truncate">
        Launch a task{project ? <Text dimColor> · project {project}</Text> : null}
      </Text>
      {step === 'project' ? (
        <SelectInput
          items={items}
          isFocused={isActive}
          limit={Math.max(1, height - 2)}
          onSelect={(item) => {
            if (item.value === OTHER) {
              setProject(defaultProject);
              setNeedsCommand(true);
              setStep('name');
            } else {
              const p = projects.find((x) => x.name === item.value);
              setProject(String(item.value));
              setNeedsCommand(!p || p.stages === 0);
              setStep('description');
            }
          }}
        />
      ) : null}
      {step === 'name' ? (
        <Box>
          <Text>Project name: </Text>
          <TextInput
            value={project}
            focus={isActive}
            onChange={setProject}
            onSubmit={(v) => {
              if (!PROJECT_NAME_RE.test(v)) return setProblem(PROJECT_NAME_RULE);
              setProblem(null);
              setStep('description');
            }}
          />
        </Box>
      ) : null}
      {step === 'description' ? (
        <Box>
          <Text>Description: </Text>
          <TextInput
            value={description}
            focus={isActive}
            onChange={setDescription}
            placeholder="what this run is for"
            onSubmit={(v) => {
              if (v.trim() === '') return setProblem('a description is needed');
              setProblem(null);
              if (needsCommand) setStep('command');
              else onSubmit({ project, description: v, command: null });
            }}
          />
        </Box>
      ) : null}
      {step === 'command' ? (
        <>
          <Text dimColor wrap="truncate">
            {description}
          </Text>
          <Box>
            <Text>Command (sh -c): </Text>
            <TextInput value={command} focus={isActive} onChange={setCommand} onSubmit={submit} placeholder="npm run build" />
          </Box>
        </>
      ) : null}
      {problem ? (
        <Text color={paint('red')} wrap="truncate">
          {problem}
        </Text>
      ) : null}
    </Box>
  );
}
