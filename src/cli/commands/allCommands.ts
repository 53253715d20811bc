import type { Command } from './command';
import { doctorCommand } from './doctor';
import { exportAuditCommand } from './exportAudit';
import { historyCommand } from './history';
import { holdsCommand } from './holds';
import { previewCommand } from './preview';
import { releaseCommand } from './release';
import { resumeCommand } from './resume';
import { signoutCommand } from './signout';
import { statusCommand } from './status';
import { sweepCommand } from './sweep';
import { verifyAuditCommand } from './verifyAudit';

/** In the order the overall help lists them. */
export const ALL_COMMANDS: readonly Command[] = [
    signoutCommand,
    previewCommand,
    resumeCommand,
    statusCommand,
    historyCommand,
    verifyAuditCommand,
    exportAuditCommand,
    sweepCommand,
    holdsCommand,
    releaseCommand,
    doctorCommand,
];
