// The settings slice: training settings from the one table in src/config/settings.ts, the
// problem with each value the user typed (invalid values are kept out of `values`), and which
// stages Train runs.
import { STAGE_NAMES, checkSetting, SETTINGS, type StageName, type TrainSettings } from '../config/settings';
import { patch, type SliceDeps } from './slice';

export type SettingKey = keyof TrainSettings;

export interface SettingsSlice {
  /** Valid settings: what Train uses. */
  values: TrainSettings;
  /** The problem with the last value given for a setting (that value is not in `values`). */
  problems: Partial<Record<SettingKey, string>>;
  /** Stages Train runs, in the method's order. */
  stages: StageName[];
}

export interface SettingsActions {
  /** Checks `value` with checkSetting: valid values go to `values`, invalid ones to `problems`. */
  setSetting: (key: SettingKey, value: unknown) => void;
  /** Records a value that could not even be read (e.g. an empty number field). */
  setSettingProblem: (key: SettingKey, problem: string) => void;
  setStageEnabled: (stage: StageName, enabled: boolean) => void;
}

export function settingsSlice(d: SliceDeps): SettingsActions {
  const st = () => d.get().settings;
  const withoutProblem = (key: SettingKey) => {
    const problems = { ...st().problems };
    delete problems[key];
    return problems;
  };
  return {
    setSetting: (key, value) => {
      const spec = SETTINGS.find((s) => s.key === key);
      if (!spec) return;
      const problem = checkSetting(spec, value);
      if (problem) patch(d, 'settings', { problems: { ...st().problems, [key]: problem } });
      else patch(d, 'settings', { values: { ...st().values, [key]: value }, problems: withoutProblem(key) });
    },
    setSettingProblem: (key, problem) => patch(d, 'settings', { problems: { ...st().problems, [key]: problem } }),
    setStageEnabled: (stage, enabled) => {
      const on = new Set(st().stages);
      if (enabled) on.add(stage);
      else on.delete(stage);
      patch(d, 'settings', { stages: STAGE_NAMES.filter((s) => on.has(s)) });
    },
  };
}
