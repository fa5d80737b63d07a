"""The streamed CSV reader: records split across chunks (even inside a UTF-8 character or a quoted newline)
come out whole; every bad row is reported with its row number and column."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.admin.customer_csv import parse_customers, read_rows
from shared.admin.errors import RowErrors

HEADER = "first_name,last_name,phone,account_last_4,postal_code,balance,days_overdue\n"


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
async def test_rows_survive_any_chunking(size: int) -> None:
    data = '\ufeffa,b\r\n"Zoë\nLine",2\n"say ""hi""",3\n\nlast,row'.encode()
    rows = [r async for r in read_rows(chunks(data, size))]
    assert rows == [["a", "b"], ["Zoë\nLine", "2"], ['say "hi"', "3"], [], ["last", "row"]]


async def test_every_bad_row_is_reported() -> None:
    data = (HEADER + "Ann,Lee,(212) 555-0142,1234,10001,10.50,3\n"
            "Bob,Ray,555,12,1,x,-1\n"
            "Cy,Doe,+1 212 555 0142,1234,10001,1,1\n"
            "too,few\n").encode()
    with pytest.raises(RowErrors) as err:
        await parse_customers(chunks(data, 5))
    by_row: dict[int, set[str]] = {}
    for row, column, _ in err.value.errors:
        by_row.setdefault(row, set()).add(column)
    assert by_row == {3: {"phone", "account_last_4", "postal_code", "balance", "days_overdue"}, 4: {"phone"},
                      5: {"row"}}


async def test_clean_rows_are_normalized() -> None:
    data = (HEADER + "Ann,Lee,(212) 555-0142,1234,10001,10.50,3\n").encode()
    [row] = await parse_customers(chunks(data, 4))
    assert row.phone == "+12125550142" and str(row.balance) == "10.50"


async def test_too_many_rows_is_refused() -> None:
    data = (HEADER + "".join(f"A,B,+1212555{i:04d},1234,10001,1,1\n" for i in range(5))).encode()
    with pytest.raises(RowErrors, match="invalid"):
        await parse_customers(chunks(data, 64), max_rows=3)
