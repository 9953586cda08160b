using Baton.Core.Lifecycle;

namespace Baton.Core.Tests.Lifecycle;

/// <summary>
/// The transition table, written out in full. A change to <see cref="TaskLifecycle"/> must be made here as well,
/// deliberately: the two are compared pair by pair.
/// </summary>
public sealed class TaskLifecycleTests
{
    // Rows: from; columns: to, in this order.
    private static readonly TaskState[] Order =
    [
        TaskState.PendingInput, TaskState.Waiting, TaskState.Ready, TaskState.Submitted, TaskState.Running,
        TaskState.Done, TaskState.Failed, TaskState.Killing, TaskState.Killed,
    ];

    // L = Legal, N = NoOp, U = Untimely (a late report, ignored and logged), I = Illegal.
    private static readonly string[] Expected =
    [
        //               Pend Wait Rdy  Sub  Run  Done Fail Kng  Kld
        /* PendingInput */ "N    L    I    I    I    I    L    I    L",
        /* Waiting      */ "I    N    L    I    I    I    L    I    L",
        /* Ready        */ "I    L    N    L    I    I    L    I    L",
        /* Submitted    */ "I    I    L    N    L    I    L    L    I",
        /* Running      */ "I    I    L    I    N    L    L    L    I",
        /* Done         */ "I    L    U    U    U    N    U    I    I",
        /* Failed       */ "I    L    U    U    U    U    N    I    I",
        /* Killing      */ "I    I    U    U    U    L    U    N    L",
        /* Killed       */ "I    L    U    U    U    U    U    I    N",
    ];

    private static TransitionVerdict Verdict(char c) => c switch
    {
        'L' => TransitionVerdict.Legal,
        'N' => TransitionVerdict.NoOp,
        'U' => TransitionVerdict.Untimely,
        'I' => TransitionVerdict.Illegal,
        _ => throw new ArgumentOutOfRangeException(nameof(c), c, null),
    };

    private static List<(TaskState From, TaskState To, TransitionVerdict Verdict)> Table()
    {
        var table = new List<(TaskState, TaskState, TransitionVerdict)>();
        for (var from = 0; from < Order.Length; from++)
        {
            var cells = Expected[from].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(Order.Length, cells.Length);
            for (var to = 0; to < Order.Length; to++)
            {
                table.Add((Order[from], Order[to], Verdict(cells[to][0])));
            }
        }
        return table;
    }

    public static TheoryData<TaskState, TaskState, TransitionVerdict> AllPairs() => [.. Table()];

    [Fact]
    public void The_table_covers_every_state()
    {
        Assert.Equal(Enum.GetValues<TaskState>().Order(), Order.Order());
        Assert.Equal(81, Table().Count);
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Every_pair_has_the_expected_verdict(TaskState from, TaskState to, TransitionVerdict expected)
    {
        Assert.Equal(expected, TaskLifecycle.Check(from, to));
    }

    [Fact]
    public void The_legal_transitions_are_exactly_the_legal_cells()
    {
        var expected = Table().Where(p => p.Verdict == TransitionVerdict.Legal).Select(p => (p.From, p.To)).Order();
        Assert.Equal(expected, TaskLifecycle.LegalTransitions.Order());
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Ensure_throws_unless_legal_or_no_op(TaskState from, TaskState to, TransitionVerdict verdict)
    {
        if (verdict is TransitionVerdict.Legal or TransitionVerdict.NoOp)
        {
            TaskLifecycle.Ensure("t", from, to);
            return;
        }
        var error = Assert.Throws<IllegalTransitionException>(() => TaskLifecycle.Ensure("sim-1", from, to));
        Assert.Equal((from, to), (error.From, error.To));
        Assert.Equal($"task 'sim-1': illegal transition {from.ToWord()} -> {to.ToWord()}", error.Message);
    }

    [Fact]
    public void Done_only_goes_back_to_waiting_to_run_again()
    {
        Assert.Equal([(TaskState.Done, TaskState.Waiting)], TaskLifecycle.LegalTransitions.Where(t => t.From == TaskState.Done));
    }

    [Fact]
    public void State_words_round_trip()
    {
        foreach (var state in Order)
        {
            Assert.Equal(state, LifecycleNames.ParseState(state.ToWord()));
            Assert.Equal(state, LifecycleNames.ParseState(state.ToString()));
        }
        Assert.False(LifecycleNames.TryParseState("sleeping", out _));
    }
}
