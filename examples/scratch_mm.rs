use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let t = Instant::now();
    let f = std::fs::File::open(&path).unwrap();
    let m = unsafe { memmap2::Mmap::map(&f).unwrap() };
    let n = bytecount::count(&m, b'\n');
    println!("mmap count {n} {:?}", t.elapsed());
    drop(m);
    let t = Instant::now();
    let mut f = std::fs::File::open(&path).unwrap();
    let mut buf = vec![0u8; 8 << 20];
    let mut n = 0;
    loop {
        let k = std::io::Read::read(&mut f, &mut buf).unwrap();
        if k == 0 {
            break;
        }
        n += bytecount::count(&buf[..k], b'\n');
    }
    println!("read count {n} {:?}", t.elapsed());
    let t = Instant::now();
    let f = std::fs::File::open(&path).unwrap();
    let m = unsafe { memmap2::MmapOptions::new().populate().map(&f).unwrap() };
    let n = bytecount::count(&m, b'\n');
    println!("mmap populate count {n} {:?}", t.elapsed());
}
