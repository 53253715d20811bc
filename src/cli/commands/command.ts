import type { AppConfig } from '../../config';
import type { ServiceDependencies } from '../../core/service/serviceDependencies';
import type { CliIo } from '../io';

export interface CommandContext {
    io: CliIo;
    config: AppConfig;
    /** The real adapters for the configuration, created on first use: validation failures never touch storage. */
    dependencies(options?: { queue?: boolean }): Promise<ServiceDependencies>;
}

export interface Command {
    name: string;
    /** One line for the command list. */
    summary: string;
    /** The whole `--help` text. */
    help: string;
    /** Runs with the arguments after the command name; answers the exit code. */
    run(args: string[], context: CommandContext): Promise<number>;
}
