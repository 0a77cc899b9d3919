use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let src = std::fs::read_to_string(&path).unwrap();
    let rss = || {
        std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .find(|l| l.starts_with("VmRSS"))
            .unwrap()
            .to_string()
    };
    let t = Instant::now();
    let s = beamviz::scenario::parse("x", &src).unwrap();
    eprintln!("parse {:?} steps {} {}", t.elapsed(), s.steps.len(), rss());
    eprintln!(
        "Step {} Op {} Predict {} Event {}",
        std::mem::size_of::<beamviz::scenario::Step>(),
        std::mem::size_of::<beamviz::Op>(),
        std::mem::size_of::<beamviz::scenario::Predict>(),
        std::mem::size_of::<beamviz::Event>()
    );
    let t = Instant::now();
    let ops = s.ops();
    eprintln!("ops {:?} {}", t.elapsed(), rss());
    let t = Instant::now();
    let mut h = beamviz::History::with_switches(s.vm.switches, ops);
    eprintln!(
        "history {:?} {} spacing {} mem {}",
        t.elapsed(),
        rss(),
        h.checkpoint_spacing(),
        h.memory_bytes()
    );
    h.seek(h.len());
    let vm = h.vm().clone();
    eprintln!(
        "literals {} words; procs {}; atoms {}",
        vm.literals().size(),
        vm.processes().len(),
        vm.atoms().len()
    );
    let before = rss();
    let clones: Vec<_> = (0..100).map(|_| vm.clone()).collect();
    eprintln!("100 clones: {} -> {}", before, rss());
    drop(clones);
    h.seek(h.len());
    let t = Instant::now();
    for _ in 0..200 {
        let v = beamviz::View::of(h.vm());
        std::hint::black_box(v);
    }
    eprintln!("View::of {:?}", t.elapsed() / 200);
    let t = Instant::now();
    for _ in 0..200 { let v = beamviz::View::of_some(h.vm(), &|_| false); std::hint::black_box(v); }
    eprintln!("View::of_some none {:?}", t.elapsed() / 200);
    h.seek(1500);
    let t = Instant::now();
    for i in 0..200 { h.seek(1500 + i % 2); }
    eprintln!("seek +-1 {:?}", t.elapsed() / 200);
    for target in [h.len(), 1, h.len() / 2, 12345, h.len() - 1] {
        let t = Instant::now();
        h.seek(target);
        eprintln!("seek {target} {:?}", t.elapsed());
    }
}
#[allow(dead_code)]
fn unused() {}
