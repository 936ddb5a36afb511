/**
 * The writes the shop acknowledged (a 200 to a cart add or a checkout), kept so the harness can check afterwards
 * that each one is on the primary: when the operators move the reads, a write must neither be lost nor land on a
 * replica. Bounded: past the cap the journal stops and says so, rather than grow without end.
 */
export interface AcknowledgedWrite {
  kind: 'cart-add' | 'checkout';
  /** epoch ms of the acknowledgement */
  at_ms: number;
  cart_id: string;
  /** the cart positions a cart add wrote */
  position_ids?: number[];
  /** the order a checkout placed */
  order_code?: string;
}

export const JOURNAL_CAP = 200_000;

export class WriteJournal {
  private readonly writes: AcknowledgedWrite[] = [];
  private dropped = 0;

  record(w: AcknowledgedWrite): void {
    if (this.writes.length >= JOURNAL_CAP) this.dropped++;
    else this.writes.push(w);
  }

  view(): { writes: AcknowledgedWrite[]; dropped: number } {
    return { writes: [...this.writes], dropped: this.dropped };
  }
}
