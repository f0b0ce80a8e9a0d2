/**
 * `kubectl modelvariant list [-A] [-o table|json|yaml]`: the ModelVariants of a namespace (or of all)
 * as a table, or as a kubectl `List` for scripts. An empty table says so on stderr, as kubectl does,
 * so stdout stays empty for a pipe.
 */
import { stdoutPaint, writeLines, type Io } from '../io.ts';
import { asList, formatObject, type OutputFormat } from '../output.ts';
import { emptyListMessage, renderList, sortByNamespaceAndName } from '../render-list.ts';
import { listModelVariants, type Session } from '../session.ts';

export interface ListFlags {
  allNamespaces: boolean;
  output: OutputFormat;
}

export async function listCommand(session: Session, flags: ListFlags, io: Io): Promise<number> {
  const namespace = flags.allNamespaces ? undefined : session.namespace;
  const items = sortByNamespaceAndName(await listModelVariants(session, namespace));
  if (flags.output !== 'table') {
    io.stdout.write(formatObject(asList(items), flags.output));
  } else if (items.length === 0) {
    writeLines(io.stderr, [emptyListMessage(namespace)]);
  } else {
    writeLines(io.stdout, renderList(items, { allNamespaces: flags.allNamespaces, now: io.now(), paint: stdoutPaint(io) }));
  }
  return 0;
}
