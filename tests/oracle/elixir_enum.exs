# elixir_enum.exs -- how many heap words Elixir's Enum functions and `for` allocate, measured in a fresh process
# with a heap large enough that no GC runs (heap_size from garbage_collection_info, read from outside, before and
# after). Usage: elixir elixir_enum.exs > elixir_enum.tsv. tests/it/elixir.rs compares the model with the output.
defmodule E do
  def cases do
    l = :lists.seq(1, 100)
    f = fn x -> x end
    [
      {"Enum.to_list(1..100)", fn -> Enum.to_list(1..100) end},
      {"Enum.to_list(l)", fn -> Enum.to_list(l) end},
      {"Enum.map(1..100, f)", fn -> Enum.map(1..100, f) end},
      {"Enum.map(l, f)", fn -> Enum.map(l, f) end},
      {"Enum.map(l, fn x -> x * 2 end)", fn -> Enum.map(l, fn x -> x * 2 end) end},
      {"Enum.filter(l, fn x -> rem(x, 2) == 0 end)", fn -> Enum.filter(l, fn x -> rem(x, 2) == 0 end) end},
      {"Enum.filter(1..100, fn x -> rem(x, 2) == 0 end)", fn -> Enum.filter(1..100, fn x -> rem(x, 2) == 0 end) end},
      {"Enum.reverse(1..100)", fn -> Enum.reverse(1..100) end},
      {"Enum.reverse(l)", fn -> Enum.reverse(l) end},
      {"Enum.sum(1..100)", fn -> Enum.sum(1..100) end},
      {"Enum.sum(l)", fn -> Enum.sum(l) end},
      {"for x <- 1..100, do: x", fn -> for x <- 1..100, do: x end},
      {"for x <- l, do: x", fn -> for x <- l, do: x end},
      {"Enum.with_index(l)", fn -> Enum.with_index(l) end},
      {"Enum.zip(l, l)", fn -> Enum.zip(l, l) end},
      {"Enum.into(l, %{}, fn x -> {x, x} end)", fn -> Enum.into(l, %{}, fn x -> {x, x} end) end},
      {"Map.new(l, fn x -> {x, x} end)", fn -> Map.new(l, fn x -> {x, x} end) end},
      {"Enum.reduce(l, 0, fn x, a -> x + a end)", fn -> Enum.reduce(l, 0, fn x, a -> x + a end) end},
      {"Enum.join(l, \",\")", fn -> Enum.join(l, ",") end},
      {"Enum.chunk_every(l, 10)", fn -> Enum.chunk_every(l, 10) end},
      {"List.duplicate(0, 100)", fn -> List.duplicate(0, 100) end},
      {"Enum.take(l, 10)", fn -> Enum.take(l, 10) end},
      {"Enum.count(l)", fn -> Enum.count(l) end},
      {"Stream.map(1..100, f) |> Enum.to_list()", fn -> Stream.map(1..100, f) |> Enum.to_list() end},
    ]
  end
  def measure(fun) do
    parent = self()
    pid = Process.spawn(fn ->
      receive do :go -> :ok end
      send(parent, :ready)
      receive do :go -> :ok end
      r = fun.()
      send(parent, :done)
      receive do :go -> r end
    end, min_heap_size: 100000)
    used = fn -> Keyword.get(elem(Process.info(pid, :garbage_collection_info), 1), :heap_size) end
    send(pid, :go); receive do :ready -> :ok end
    u0 = used.()
    send(pid, :go); receive do :done -> :ok end
    u1 = used.()
    send(pid, :go)
    u1 - u0
  end
end
IO.puts("# elixir_enum.exs on Elixir #{System.version()}, OTP #{:erlang.system_info(:otp_release)}: words a call allocates (l = :lists.seq(1, 100), f = fn x -> x end, both made before)")
for {name, fun} <- E.cases(), do: IO.puts("#{name}\t#{E.measure(fun)}")
