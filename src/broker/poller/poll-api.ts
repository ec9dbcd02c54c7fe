/** The two reads the poller makes, as the TempNumber client offers them (src/api). */
import type { ActivationData } from '../../api/wire-types.ts';
import type { Priority } from '../../limits/priorities.ts';

export interface PollCallOptions {
  priority?: Priority;
  signal?: AbortSignal;
}

export interface PollApi {
  getActivation(id: number, options?: PollCallOptions): Promise<ActivationData>;
  getActivationsHistory(
    query: { page?: number; limit?: number },
    options?: PollCallOptions,
  ): Promise<{ activations: ActivationData[] }>;
}
